import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { CpuBackend } from './backend.js';
import { matmulKernel } from './kernels/matmul.js';
import { compilePlan, runPlan } from './plan.js';
import { planWalk } from './strided.js';
import './index.js';

describe('strided walks', () => {
  test('contiguous same-shape operands collapse to one flat row', () => {
    const w = planWalk(
      [2, 3, 4],
      [
        [12, 4, 1],
        [12, 4, 1],
      ],
    );
    expect(w.rows).toBe(1);
    expect(w.inner).toBe(24);
  });
  test('a bias broadcast keeps a contiguous inner loop', () => {
    const w = planWalk(
      [5, 7],
      [
        [7, 1],
        [0, 1],
      ],
    );
    expect(w.rows).toBe(5);
    expect(w.inner).toBe(7);
    expect(Array.from(w.rowOffsets[1])).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('plans', () => {
  test('scratch buffers are reused, outputs are fresh arrays, and a plan reruns with new inputs', () => {
    // x -> a = x*2 -> b = a+1 -> c = b*b -> d = exp(c) (outputs: d, and b)
    const g: nb.Graph = {
      inputs: [{ shape: [4], dtype: 'float32' }],
      nodes: [
        { op: 'binary', attrs: { fn: 'mul' }, inputs: [0, 0], shape: [4], dtype: 'float32' },
        { op: 'binary', attrs: { fn: 'add' }, inputs: [1, 0], shape: [4], dtype: 'float32' },
        { op: 'binary', attrs: { fn: 'mul' }, inputs: [2, 2], shape: [4], dtype: 'float32' },
        { op: 'unary', attrs: { fn: 'neg' }, inputs: [3], shape: [4], dtype: 'float32' },
        { op: 'reshape', attrs: { shape: [2, 2] }, inputs: [4], shape: [2, 2], dtype: 'float32' },
        { op: 'reshape', attrs: { shape: [4] }, inputs: [5], shape: [4], dtype: 'float32' },
      ],
      outputs: [6, 2, 0],
    };
    const plan = compilePlan(g);
    // x*x (dies after step 1), c (dies into neg), neg (aliased by the reshapes, then copied out).
    expect(plan.scratch.length).toBeLessThanOrEqual(2);
    for (const x of [new Float32Array([1, 2, 3, 4]), new Float32Array([0, -1, 0.5, 2])]) {
      const [d, b, same] = runPlan(plan, [x]);
      const bRef = Array.from(x, (v) => v * v + v);
      expect(Array.from(b)).toEqual(bRef.map(Math.fround));
      expect(Array.from(d)).toEqual(bRef.map((v) => Math.fround(-Math.fround(v) * Math.fround(v))));
      expect(same).not.toBe(x); // an input returned as an output is copied
      expect(Array.from(same)).toEqual(Array.from(x));
      expect(d).not.toBe(plan.scratch[0]);
    }
  });

  test('the backend reads copies', () => {
    const b = new CpuBackend();
    const buf = b.upload(new Float32Array([1, 2]));
    const r = b.readSync(buf);
    r[0] = 5;
    expect(b.readSync(buf)[0]).toBe(1);
  });
});

describe('matmul kernel', () => {
  const naive = (a: Float64Array, b: Float64Array, m: number, n: number, k: number) => {
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += a[i * k + p] * b[p * n + j];
    return out;
  };
  test('agrees with a naive loop at sizes that straddle its blocks', () => {
    let seed = 1;
    const rand = (n: number) => Float64Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    for (const [m, n, k] of [
      [1, 1, 1],
      [3, 5, 7],
      [64, 64, 64],
      [65, 129, 257],
      [100, 3, 300],
      [7, 300, 5],
      [4, 4, 0],
    ]) {
      const a = rand(m * k);
      const b = rand(k * n);
      const out = new Float64Array(m * n).fill(Number.NaN);
      matmulKernel(a, b, out, 1, m, n, k, false, false);
      const ref = naive(a, b, m, n, k);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(out[i] - ref[i])).toBeLessThan(1e-12);
    }
  });
});

describe('end to end on the backend', () => {
  test('a graph of every primitive kind runs', async () => {
    const x = nb.randomNormal([3, 4], { seed: 1 });
    const y = nb.concat(
      [
        nb.pad(x.transpose(), [
          [0, 0],
          [0, 1],
        ]),
        nb.gather(x, [0, 2], 0).reshape([4, 2]),
      ],
      1,
    );
    const z = nb.sum(nb.where(nb.greater(y, 0), nb.exp(y), nb.tanh(y)), { axis: 0 });
    expect(z.shape).toEqual([6]);
    for (const v of await z.data()) expect(Number.isFinite(v)).toBe(true);
  });
});
