import { CpuBackend, type Kernel, type KernelFactory } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { runCrossConformance } from './cross-suite.js';
import { loadFixtures } from './fixtures.js';
import { type Report, runConformance } from './suite.js';

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

/** A matmul kernel that zeroes the last column of its product (none when the product has no columns). */
function dropLastColumn(kernel: Kernel, node: nb.GraphNode): Kernel {
  const n = node.shape[node.shape.length - 1];
  return (ins, out) => {
    kernel(ins, out);
    for (let i = n - 1; n > 0 && i < out.length; i += n) out[i] = 0;
  };
}

plantDefect('cpu-matmul-drops-last-column', 'matmul', () => true, dropLastColumn);
// A matmul right in every forward pass and wrong in backward ones: only the products that core's
// matmul rule records for a gradient (labelled 'grad') drop their last column.
plantDefect('cpu-grad-matmul-drops-last-column', 'matmul', (node) => node.label === 'grad', dropLastColumn);
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

  test('cross-backend: equal backends agree on every case; a gradient-only defect fails exactly the gradients and training runs that use it', async () => {
    const planted = 'cpu-grad-matmul-drops-last-column';
    const [same, broken, brokenToo] = await runCrossConformance(['cpu', 'cpu-copy', planted], fixtures);
    expect(same.backend).toBe('cpu vs cpu-copy');
    expect(same.summary.fail).toBe(0);
    expect([...new Set(same.results.map((r) => r.group))]).toEqual(['cross-backend', 'cross-gradient', 'cross-training']);
    const failed = (r: Report) => r.results.filter((c) => c.status === 'fail').map((c) => c.id);
    // The gradients of the fixtures' matmul and dot cases with values (an empty product has no
    // column to drop), and every training run: each trains a Dense, or a layer made of matmuls.
    const products = fixtures.ops.filter((c) => ['matmul', 'dot'].includes(c.op) && c.grads && c.inputs.every((i) => i.data.length > 0));
    const runs = broken.results.filter((r) => r.group === 'cross-training');
    expect(products.length).toBeGreaterThan(10);
    expect(runs.length).toBeGreaterThanOrEqual(9);
    expect(failed(broken).sort()).toEqual(
      [...products.map((c) => `cross cpu/${planted} gradient ${c.id}`), ...runs.map((r) => r.id)].sort(),
    );
    expect(failed(brokenToo).map((id) => id.replace('cpu-copy/', 'cpu/'))).toEqual(failed(broken));
    // Every forward case passes: forward comparisons alone would not have seen the defect.
    expect(broken.results.filter((r) => r.group === 'cross-backend').every((r) => r.status === 'pass')).toBe(true);
  });
});
