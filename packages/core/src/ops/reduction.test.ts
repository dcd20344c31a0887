import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';

/** Naive reduction reference: group flat elements by their index on the kept axes. */
function refReduce(data: number[], shape: number[], axes: number[] | undefined, fn: (xs: number[]) => number): number[] {
  const ax = axes ?? shape.map((_, i) => i);
  const norm = ax.map((a) => (a < 0 ? a + shape.length : a));
  const groups = new Map<string, number[]>();
  const outKeys: string[] = [];
  const size = shape.reduce((a, b) => a * b, 1);
  // Output order: iterate kept-axes indices in row-major order.
  const keptShape = shape.filter((_, i) => !norm.includes(i));
  const outSize = keptShape.reduce((a, b) => a * b, 1);
  for (let o = 0; o < outSize; o++) {
    outKeys.push(String(o));
    groups.set(String(o), []);
  }
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    const idx: number[] = [];
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = rest % shape[i];
      rest = Math.floor(rest / shape[i]);
    }
    let o = 0;
    shape.forEach((d, i) => {
      if (!norm.includes(i)) o = o * d + idx[i];
    });
    groups.get(String(o))?.push(data[flat]);
  }
  return outKeys.map((k) => fn(groups.get(k) as number[]));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const REDUCTIONS: [string, (x: nb.Tensor, o: nb.ReduceOptions) => nb.Tensor, (xs: number[]) => number][] = [
  ['sum', nb.sum, sum],
  ['mean', nb.mean, (xs) => sum(xs) / xs.length],
  ['max', nb.max, (xs) => Math.max(...xs)],
  ['min', nb.min, (xs) => Math.min(...xs)],
  ['prod', nb.prod, (xs) => xs.reduce((a, b) => a * b, 1)],
  ['variance', nb.variance, (xs) => sum(xs.map((v) => (v - sum(xs) / xs.length) ** 2)) / xs.length],
  ['logSumExp', nb.logSumExp, (xs) => Math.log(sum(xs.map(Math.exp)))],
  ['norm', (x, o) => nb.norm(x, 'euclidean', o), (xs) => Math.sqrt(sum(xs.map((v) => v * v)))],
];

const CASES: [number[], number[] | number | undefined][] = [
  [[], undefined],
  [[5], undefined],
  [[5], 0],
  [[3, 4], 0],
  [[3, 4], 1],
  [[3, 4], -1],
  [
    [2, 3, 4],
    [0, 2],
  ],
  [[2, 3, 4], [1]],
  [[2, 1, 4], 1],
  [[1, 1], undefined],
  [[4, 65], 1],
];

describe('reductions: values', () => {
  for (const [name, op, ref] of REDUCTIONS) {
    test(name, async () => {
      for (const [shape, axis] of CASES) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = values(n, -1.5, 1.5, 9);
        const axes = axis === undefined ? undefined : typeof axis === 'number' ? [axis] : axis;
        const expected = refReduce(data, shape, axes, ref);
        const x = nb.tensor(data, shape, 'float64');
        const out = op(x, { axis });
        expectClose(await out.data(), expected, 1e-12, 1e-12);
        const kept = op(x, { axis, keepDims: true });
        const normAxes = (axes ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + shape.length : a));
        expect(kept.shape).toEqual(shape.map((d, i) => (normAxes.includes(i) ? 1 : d)));
        expect(out.shape).toEqual(shape.filter((_, i) => !normAxes.includes(i)));
      }
      // A transposed input.
      const m = values(12, -1, 1, 10);
      const t = nb.tensor(m, [3, 4], 'float64').transpose();
      const tData = [0, 1, 2, 3].flatMap((j) => [0, 1, 2].map((i) => m[i * 4 + j]));
      expectClose(await op(t, { axis: 1 }).data(), refReduce(tData, [4, 3], [1], ref), 1e-12, 1e-12);
    });
  }

  test('empty axes: sum is 0, prod is 1, mean is NaN, max is an error', async () => {
    const e = nb.zeros([0, 3]);
    expect(await nb.sum(e, { axis: 0 }).array()).toEqual([0, 0, 0]);
    expect(await nb.prod(e, { axis: 0 }).array()).toEqual([1, 1, 1]);
    expect((await nb.mean(e, { axis: 0 }).data()).every(Number.isNaN)).toBe(true);
    expect(nb.sum(e, { axis: 1 }).shape).toEqual([0]);
    expect(() => nb.max(e, { axis: 0 })).toThrow(/max: cannot reduce over axis 0 of size 0 in \[0,3\]/);
  });

  test('a long float32 sum accumulates accurately', async () => {
    const x = nb.ones([1_000_000]);
    expect(await nb.sum(x).item()).toBe(1_000_000);
  });

  test('logSumExp is stable for huge and -Infinity rows', async () => {
    const x = nb.tensor([
      [1000, 1000],
      [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
    ]);
    expectClose(await nb.logSumExp(x, { axis: 1 }).data(), [1000 + Math.LN2, Number.NEGATIVE_INFINITY]);
  });

  test('argMax and argMin: first of ties, along an axis (0 by default, as TF.js); int32 out', async () => {
    const x = nb.tensor([
      [1, 5, 5],
      [7, 0, 7],
    ]);
    expect(await nb.argMax(x, 1).array()).toEqual([1, 0]);
    expect(await nb.argMax(x, 0).array()).toEqual([1, 0, 1]);
    expect(await nb.argMin(x, 1).array()).toEqual([0, 1]);
    // TF.js 4.22: tf.argMax(x) of [[1,5,5],[7,0,7]] is [1,0,1] (axis 0), not the flat index 3.
    expect(await nb.argMax(x).array()).toEqual([1, 0, 1]);
    expect(await x.argMax().array()).toEqual([1, 0, 1]);
    expect(await nb.argMin(x).array()).toEqual([0, 1, 0]);
    expect(nb.argMax(x, -1).dtype).toBe('int32');
    expect(await nb.argMax(nb.tensor([3, Number.NaN, 9])).item()).toBe(1);
  });

  test('boolean sums count', async () => {
    expect(await nb.sum(nb.tensor([true, false, true])).item()).toBe(2);
  });
});

describe('reductions: gradients (float64)', () => {
  for (const [name, op] of REDUCTIONS) {
    test(name, () => {
      for (const [shape, axis] of [
        [[2, 3], 1],
        [
          [2, 3, 2],
          [0, 2],
        ],
        [[4], undefined],
      ] as [number[], number | number[] | undefined][]) {
        const n = shape.reduce((a, b) => a * b, 1);
        checkGradients((x) => op(x, { axis }), [values(n, 0.2, 1.5, 13)], { shapes: [shape] });
        checkGradients((x) => op(x, { axis, keepDims: true }), [values(n, -1.5, -0.2, 14)], { shapes: [shape] });
      }
    });
  }

  test('prod gradient with zeros', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.prod(x))(nb.tensor([2, 0, 3], [3], 'float64'));
    expect(await g.array()).toEqual([0, 6, 0]);
    const g2 = nb.grad((x: nb.Tensor) => nb.prod(x))(nb.tensor([0, 0, 3], [3], 'float64'));
    expect(await g2.array()).toEqual([0, 0, 0]);
  });

  test('max gradient splits between ties', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.max(x))(nb.tensor([1, 4, 4], [3], 'float64'));
    expect(await g.array()).toEqual([0, 0.5, 0.5]);
  });
});
