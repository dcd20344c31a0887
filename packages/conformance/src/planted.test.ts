import { CpuBackend, type Kernel, type KernelFactory } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { compareBackends } from './cases/cross.js';
import { loadFixtures } from './fixtures.js';
import { runConformance } from './suite.js';

/**
 * The suite can fail: backends with one planted wrong kernel must be reported, on the right
 * cases, while correct cases still pass.
 */

/** Registers a CPU backend whose kernel for `op` is wrapped by `plant` on the nodes `affects` picks. */
function plantDefect(
  name: string,
  op: nb.GraphNode['op'],
  affects: (node: nb.GraphNode) => boolean,
  plant: (kernel: Kernel, node: nb.GraphNode) => Kernel,
): void {
  const factory: KernelFactory = (node, _graph, original) => (affects(node) ? plant(original(), node) : original());
  nb.registerBackend(name, () => new CpuBackend(name, { [op]: factory }));
}

plantDefect(
  'cpu-matmul-drops-last-column',
  'matmul',
  () => true,
  (kernel, node) => {
    const n = node.shape[2];
    return (ins, out) => {
      kernel(ins, out);
      for (let i = n - 1; i < out.length; i += n) out[i] = 0;
    };
  },
);
// cos is right, but its sign is flipped: sin's forward values stay right, its gradient (cos) does not.
plantDefect(
  'cpu-cos-wrong-sign',
  'unary',
  (node) => node.op === 'unary' && node.attrs.fn === 'cos',
  (kernel) => (ins, out) => {
    kernel(ins, out);
    for (let i = 0; i < out.length; i++) out[i] = -out[i];
  },
);
nb.registerBackend('cpu-copy', () => new CpuBackend('cpu-copy'));
// A max that skips NaNs (as onnxruntime's ReduceMax did, unless the NaN came first).
plantDefect(
  'cpu-max-skips-nan',
  'reduce',
  (node) => node.op === 'reduce' && node.attrs.fn === 'max',
  (kernel) => (ins, out) => kernel([ins[0].map((v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v))], out),
);
// A float-to-int32 cast that wraps out-of-range values (as the CPU backend's did) instead of saturating.
plantDefect(
  'cpu-cast-wraps',
  'cast',
  (node) => node.op === 'cast' && node.dtype === 'int32',
  (kernel) => (ins, out) => {
    kernel(ins, out);
    for (let i = 0; i < out.length; i++) if (Number.isFinite(ins[0][i])) out[i] = Math.trunc(ins[0][i]);
  },
);

describe('the suite reports planted defects', async () => {
  const fixtures = await loadFixtures();

  test('a matmul that drops the last column fails the matmul cases and only those forward cases', async () => {
    const report = await runConformance('cpu-matmul-drops-last-column', fixtures, { filter: (id) => id.startsWith('forward ') });
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failed.some((id) => id.startsWith('forward matmul'))).toBe(true);
    for (const id of failed) expect(id).toMatch(/^forward (matmul|dot)/);
    expect(report.summary.pass).toBeGreaterThan(100);
  });

  test("a cos with the wrong sign fails cos, and sin's gradient, but not sin's values", async () => {
    const report = await runConformance('cpu-cos-wrong-sign', fixtures, { filter: (id) => /\b(sin|cos) \[/.test(id) });
    const status = (prefix: string) => report.results.filter((r) => r.id.startsWith(prefix)).map((r) => r.status);
    expect(status('forward sin').every((s) => s === 'pass')).toBe(true);
    // Every cos case with at least one value fails (an empty output cannot show the defect).
    const nonEmptyCos = fixtures.ops.filter((c) => c.op === 'cos' && c.output.data.length > 0).map((c) => `forward ${c.id}`);
    expect(nonEmptyCos.length).toBeGreaterThan(3);
    for (const id of nonEmptyCos) expect(report.results.find((r) => r.id === id)?.status).toBe('fail');
    expect(status('gradient sin').some((s) => s === 'fail')).toBe(true);
    expect(status('float64 gradient vs central differences sin').some((s) => s === 'fail')).toBe(true);
  });

  test('a max that skips NaNs fails the NaN cases of max and min, and only those', async () => {
    const report = await runConformance('cpu-max-skips-nan', fixtures, { filter: (id) => id.startsWith('nan ') });
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failed).toContain('nan max [5] with NaN last');
    expect(failed).toContain('nan min [5,2] axis 0 with NaN middle in column 0');
    for (const id of failed) expect(id).toMatch(/^nan (gradient )?(max|min|logSumExp) .*NaN/);
    expect(report.summary.pass).toBeGreaterThan(100);
  });

  test('a cast that wraps out-of-range floats fails the cast cases, not the arithmetic', async () => {
    const report = await runConformance('cpu-cast-wraps', fixtures, { filter: (id) => id.startsWith('integers ') });
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failed.sort()).toEqual([
      'integers cast float32 to int32 truncates and saturates, NaN to 0',
      'integers cast float64 to int32 truncates and saturates, NaN to 0',
    ]);
  });

  test('cross-backend: equal backends agree on every case; the broken one is caught', async () => {
    const matmuls = fixtures.ops.filter((c) => c.op === 'matmul');
    expect((await compareBackends('cpu', 'cpu-copy', fixtures.ops)).every((r) => r.status === 'pass')).toBe(true);
    const broken = await compareBackends('cpu', 'cpu-matmul-drops-last-column', matmuls);
    expect(broken.some((r) => r.status === 'fail')).toBe(true);
  });
});
