import { CpuBackend } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { compareBackends } from './cases/cross.js';
import { loadFixtures } from './fixtures.js';
import { runConformance } from './suite.js';

/**
 * The suite can fail: backends with one planted wrong kernel must be reported, on the right
 * cases, while correct cases still pass.
 */
nb.registerBackend(
  'cpu-matmul-drops-last-column',
  () =>
    new CpuBackend('cpu-matmul-drops-last-column', {
      matmul: (node, _graph, original) => {
        const kernel = original();
        const n = node.shape[2];
        return (ins, out) => {
          kernel(ins, out);
          for (let i = n - 1; i < out.length; i += n) out[i] = 0;
        };
      },
    }),
);
// cos is right, but its sign is flipped: sin's forward values stay right, its gradient (cos) does not.
nb.registerBackend(
  'cpu-cos-wrong-sign',
  () =>
    new CpuBackend('cpu-cos-wrong-sign', {
      unary: (node, _graph, original) => {
        const kernel = original();
        if (node.op !== 'unary' || node.attrs.fn !== 'cos') return kernel;
        return (ins, out) => {
          kernel(ins, out);
          for (let i = 0; i < out.length; i++) out[i] = -out[i];
        };
      },
    }),
);
nb.registerBackend('cpu-copy', () => new CpuBackend('cpu-copy'));

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

  test('cross-backend: equal backends agree on every case; the broken one is caught', async () => {
    const matmuls = fixtures.ops.filter((c) => c.op === 'matmul');
    expect((await compareBackends('cpu', 'cpu-copy', fixtures.ops)).every((r) => r.status === 'pass')).toBe(true);
    const broken = await compareBackends('cpu', 'cpu-matmul-drops-last-column', matmuls);
    expect(broken.some((r) => r.status === 'fail')).toBe(true);
  });
});
