import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';
import { refElementwise } from '../test-utils/reference.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// erf from tables (Abramowitz & Stegun 7.1), independent of the kernel's series.
const ERF_TABLE: [number, number][] = [
  [0, 0],
  [0.01, 0.011283415555849618],
  [-0.3, -0.3286267594591274],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [2, 0.9953222650189527],
  [3.5, 0.9999992569016276],
  [-7, -1],
];

type Unary = { name: string; op: (x: nb.Tensor) => nb.Tensor; ref: (x: number) => number; lo: number; hi: number; smooth?: boolean };
const UNARY: Unary[] = [
  { name: 'neg', op: nb.neg, ref: (x) => -x, lo: -2, hi: 2 },
  { name: 'abs', op: nb.abs, ref: Math.abs, lo: -2, hi: 2 },
  { name: 'sign', op: nb.sign, ref: Math.sign, lo: -2, hi: 2, smooth: false },
  { name: 'floor', op: nb.floor, ref: Math.floor, lo: -3, hi: 3, smooth: false },
  { name: 'exp', op: nb.exp, ref: Math.exp, lo: -3, hi: 3 },
  { name: 'log', op: nb.log, ref: Math.log, lo: 0.1, hi: 4 },
  { name: 'log1p', op: nb.log1p, ref: Math.log1p, lo: -0.5, hi: 3 },
  { name: 'sqrt', op: nb.sqrt, ref: Math.sqrt, lo: 0.1, hi: 4 },
  { name: 'rsqrt', op: nb.rsqrt, ref: (x) => 1 / Math.sqrt(x), lo: 0.1, hi: 4 },
  { name: 'square', op: nb.square, ref: (x) => x * x, lo: -2, hi: 2 },
  { name: 'reciprocal', op: nb.reciprocal, ref: (x) => 1 / x, lo: 0.2, hi: 3 },
  { name: 'sin', op: nb.sin, ref: Math.sin, lo: -3, hi: 3 },
  { name: 'cos', op: nb.cos, ref: Math.cos, lo: -3, hi: 3 },
  { name: 'tanh', op: nb.tanh, ref: Math.tanh, lo: -3, hi: 3 },
  { name: 'sigmoid', op: nb.sigmoid, ref: sigmoid, lo: -6, hi: 6 },
  { name: 'relu', op: nb.relu, ref: (x) => Math.max(x, 0), lo: -2, hi: 2 },
  { name: 'relu6', op: nb.relu6, ref: (x) => Math.min(Math.max(x, 0), 6), lo: -3, hi: 9 },
  { name: 'leakyRelu', op: (x) => nb.leakyRelu(x), ref: (x) => (x > 0 ? x : 0.2 * x), lo: -2, hi: 2 },
  { name: 'elu', op: (x) => nb.elu(x), ref: (x) => (x > 0 ? x : Math.exp(x) - 1), lo: -2, hi: 2 },
  { name: 'selu', op: nb.selu, ref: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)), lo: -2, hi: 2 },
  { name: 'softplus', op: nb.softplus, ref: (x) => Math.log(1 + Math.exp(x)), lo: -5, hi: 5 },
  { name: 'swish', op: nb.swish, ref: (x) => x * sigmoid(x), lo: -4, hi: 4 },
  {
    name: 'gelu (tanh)',
    op: (x) => nb.gelu(x, true),
    ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    lo: -3,
    hi: 3,
  },
  { name: 'clip', op: (x) => nb.clip(x, -0.5, 0.7), ref: (x) => Math.min(Math.max(x, -0.5), 0.7), lo: -1, hi: 1 },
];

// Awkward shapes: scalar, empty, size-1 axes, odd sizes, and a transposed (non-contiguous) input.
const SHAPES: number[][] = [[], [0], [0, 3], [1, 4], [3, 1, 2], [5, 7]];

describe('unary ops: values', () => {
  for (const u of UNARY) {
    test(u.name, async () => {
      for (const shape of SHAPES) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = values(n, u.lo, u.hi, 3);
        const out = u.op(nb.tensor(data, shape, 'float64'));
        expect(out.shape).toEqual(shape);
        expectClose(await out.data(), data.map(u.ref), 1e-12, 1e-12);
      }
      const m = values(12, u.lo, u.hi, 4);
      const transposed = u.op(nb.tensor(m, [3, 4], 'float64').transpose());
      const expected = [0, 1, 2, 3].flatMap((j) => [0, 1, 2].map((i) => u.ref(m[i * 4 + j])));
      expectClose(await transposed.data(), expected, 1e-12, 1e-12);
      // float32 agrees with the float64 reference to float32 precision.
      const f32 = u.op(nb.tensor(m, [3, 4]));
      expectClose(
        await f32.data(),
        m.map((v) => u.ref(Math.fround(v))),
        1e-5,
        1e-6,
      );
    });
  }

  test('erf and exact gelu against tables', async () => {
    const xs = ERF_TABLE.map(([x]) => x);
    expectClose(
      await nb.erf(nb.tensor(xs, [xs.length], 'float64')).data(),
      ERF_TABLE.map(([, y]) => y),
      1e-14,
      1e-15,
    );
    const gelu = ERF_TABLE.map(([x, e]) => 0.5 * x * (1 + e));
    const scaled = xs.map((x) => x * Math.SQRT2);
    expectClose(
      await nb.gelu(nb.tensor(scaled, [xs.length], 'float64')).data(),
      gelu.map((g, i) => (g / xs[i]) * scaled[i] || 0),
      1e-13,
      1e-14,
    );
  });

  test('sigmoid and softplus stay finite at the extremes', async () => {
    const x = nb.tensor([-1000, -50, 0, 50, 1000]);
    expectClose(await nb.sigmoid(x).data(), [0, sigmoid(-50), 0.5, 1, 1], 1e-6, 1e-30);
    expectClose(await nb.softplus(x).data(), [0, Math.exp(-50), Math.LN2, 50, 1000], 1e-6, 1e-30);
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.add(nb.sigmoid(t), nb.softplus(t))))(x);
    for (const v of await g.data()) expect(Number.isFinite(v)).toBe(true);
  });

  test('NaN propagates through relu, maximum and sums', async () => {
    const x = nb.tensor([Number.NaN, 1]);
    expect(Number.isNaN((await nb.relu(x).data())[0])).toBe(true);
    expect(Object.is((await nb.relu(nb.tensor([-3, Number.NEGATIVE_INFINITY])).data())[0], 0)).toBe(true);
    expect((await nb.relu(nb.tensor([Number.NEGATIVE_INFINITY])).data())[0]).toBe(0);
    expect(Number.isNaN((await nb.maximum(x, 0).data())[0])).toBe(true);
    expect(Number.isNaN((await nb.max(x).data())[0])).toBe(true);
  });

  test('isNaN, isFinite, logicalNot', async () => {
    const x = nb.tensor([Number.NaN, Number.POSITIVE_INFINITY, -1, 0]);
    expect(await nb.isNaN(x).array()).toEqual([true, false, false, false]);
    expect(await nb.isFinite(x).array()).toEqual([false, false, true, true]);
    expect(await nb.logicalNot(nb.isNaN(x)).array()).toEqual([false, true, true, true]);
    expect(nb.isNaN(x).dtype).toBe('bool');
  });

  test('int32 inputs: neg/abs stay int32, transcendental ops give float32', async () => {
    const x = nb.tensor([-2, 3], [2], 'int32');
    expect(nb.abs(x).dtype).toBe('int32');
    expect(await nb.abs(x).array()).toEqual([2, 3]);
    expect(nb.exp(x).dtype).toBe('float32');
    expectClose(await nb.exp(x).data(), [Math.exp(-2), Math.exp(3)], 1e-6);
  });
});

describe('unary ops: gradients (float64, central differences)', () => {
  for (const u of UNARY.filter((v) => v.smooth !== false)) {
    test(u.name, () => {
      // Keep away from kinks (0 for abs/relu; the clip bounds) where the derivative jumps.
      const data = values(6, u.lo, u.hi, 11).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      checkGradients((x) => u.op(x), [data], { shapes: [[2, 3]] });
    });
  }
  test('sigmoid, softplus, swish at exactly 0', async () => {
    const at0 = async (f: (x: nb.Tensor) => nb.Tensor) =>
      (
        await nb
          .grad((x: nb.Tensor) => nb.sum(f(x)))(nb.tensor([0], [1], 'float64'))
          .data()
      )[0];
    expect(await at0(nb.sigmoid)).toBe(0.25);
    expect(await at0(nb.softplus)).toBe(0.5);
    expect(await at0(nb.swish)).toBe(0.5);
  });
  test('erf and exact gelu', () => {
    checkGradients((x) => nb.erf(x), [[-2, -0.4, 0.3, 1.2, 2.9, 3.4]]);
    checkGradients((x) => nb.gelu(x), [[-2, -0.4, 0.3, 1.2, 2.9, 3.4]]);
  });
  test('sign and floor have zero gradient', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.sum(nb.add(nb.sign(x), nb.floor(x))))(nb.tensor([0.5, -1.5]));
    expect(await g.array()).toEqual([0, 0]);
  });
});

type Binary = {
  name: string;
  op: (a: nb.Tensor, b: nb.Tensor) => nb.Tensor;
  ref: (a: number, b: number) => number;
  lo?: number;
  hi?: number;
  smooth?: boolean;
  bool?: boolean;
};
const BINARY: Binary[] = [
  { name: 'add', op: nb.add, ref: (a, b) => a + b },
  { name: 'sub', op: nb.sub, ref: (a, b) => a - b },
  { name: 'mul', op: nb.mul, ref: (a, b) => a * b },
  { name: 'div', op: nb.div, ref: (a, b) => a / b, lo: 0.5, hi: 2 },
  { name: 'pow', op: nb.pow, ref: (a, b) => a ** b, lo: 0.5, hi: 2 },
  { name: 'maximum', op: nb.maximum, ref: Math.max },
  { name: 'minimum', op: nb.minimum, ref: Math.min },
  { name: 'equal', op: nb.equal, ref: (a, b) => +(a === b), smooth: false, bool: true },
  { name: 'notEqual', op: nb.notEqual, ref: (a, b) => +(a !== b), smooth: false, bool: true },
  { name: 'less', op: nb.less, ref: (a, b) => +(a < b), smooth: false, bool: true },
  { name: 'lessEqual', op: nb.lessEqual, ref: (a, b) => +(a <= b), smooth: false, bool: true },
  { name: 'greater', op: nb.greater, ref: (a, b) => +(a > b), smooth: false, bool: true },
  { name: 'greaterEqual', op: nb.greaterEqual, ref: (a, b) => +(a >= b), smooth: false, bool: true },
];

// Pairs that broadcast in every way: scalars, size-1 axes, rank differences, empty axes.
const PAIRS: [number[], number[]][] = [
  [[], []],
  [[3], []],
  [[], [2, 3]],
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [
    [2, 1, 3],
    [4, 3],
  ],
  [
    [1, 4],
    [3, 1],
  ],
  [
    [0, 3],
    [1, 3],
  ],
  [
    [5, 1, 1],
    [1, 1, 17],
  ],
];

describe('binary ops: values with broadcasting', () => {
  for (const b of BINARY) {
    test(b.name, async () => {
      for (const [sa, sb] of PAIRS) {
        const na = sa.reduce((x, y) => x * y, 1);
        const nbb = sb.reduce((x, y) => x * y, 1);
        // Round to quarters so comparisons meet real ties.
        const round = (v: number) => (b.bool ? Math.round(v * 4) / 4 : v);
        const da = values(na, b.lo ?? -2, b.hi ?? 2, 5).map(round);
        const db = values(nbb, b.lo ?? -2, b.hi ?? 2, 6).map(round);
        const out = b.op(nb.tensor(da, sa, 'float64'), nb.tensor(db, sb, 'float64'));
        const ref = refElementwise(b.ref, [
          { data: da, shape: sa },
          { data: db, shape: sb },
        ]);
        expect(out.shape).toEqual(ref.shape);
        expect(out.dtype).toBe(b.bool ? 'bool' : 'float64');
        expectClose(await out.data(), ref.data, 1e-12, 1e-12);
      }
      // A transposed operand.
      const m = values(6, b.lo ?? -2, b.hi ?? 2, 8);
      const t = nb.tensor(m, [2, 3], 'float64').transpose();
      const col = nb.tensor([1.5, 0.75], [1, 2], 'float64');
      const ref = refElementwise(b.ref, [
        { data: [0, 1, 2].flatMap((j) => [0, 1].map((i) => m[i * 3 + j])), shape: [3, 2] },
        { data: [1.5, 0.75], shape: [1, 2] },
      ]);
      expectClose(await b.op(t, col).data(), ref.data, 1e-12, 1e-12);
    });
  }

  test('numbers adopt the tensor dtype; mixed dtypes promote', () => {
    expect(nb.add(nb.tensor([1], [1], 'float64'), 2).dtype).toBe('float64');
    expect(nb.add(nb.tensor([1], [1], 'int32'), 2).dtype).toBe('int32');
    expect(nb.add(nb.tensor([1], [1], 'int32'), nb.tensor([1.5])).dtype).toBe('float32');
    expect(nb.div(nb.tensor([1], [1], 'int32'), 2).dtype).toBe('float32');
    expect(nb.add(nb.tensor([true]), nb.tensor([true])).dtype).toBe('int32');
  });

  test('int32 arithmetic wraps like int32', async () => {
    const big = nb.tensor([2 ** 30, -7], [2], 'int32');
    expect(await nb.mul(big, 4).array()).toEqual([0, -28]);
  });

  test('logicalAnd and logicalOr', async () => {
    const a = nb.tensor([true, true, false, false]);
    const b = nb.tensor([true, false, true, false]);
    expect(await nb.logicalAnd(a, b).array()).toEqual([true, false, false, false]);
    expect(await nb.logicalOr(a, b).array()).toEqual([true, true, true, false]);
  });

  test('where broadcasts condition and branches', async () => {
    const c = nb.tensor([[true], [false]]);
    const out = nb.where(c, nb.tensor([1, 2, 3]), 0);
    expect(await out.array()).toEqual([
      [1, 2, 3],
      [0, 0, 0],
    ]);
  });

  test('cast truncates toward zero, bool is nonzero', async () => {
    const x = nb.tensor([-1.7, -0.2, 0, 2.9]);
    expect(await nb.cast(x, 'int32').array()).toEqual([-1, 0, 0, 2]);
    expect(await nb.cast(x, 'bool').array()).toEqual([true, true, false, true]);
    expect(await nb.cast(nb.tensor([true, false]), 'float32').array()).toEqual([1, 0]);
  });
});

describe('binary ops: gradients with broadcasting (float64)', () => {
  for (const b of BINARY.filter((v) => v.smooth !== false)) {
    test(b.name, () => {
      for (const [sa, sb] of [
        [[2, 3], [3]],
        [
          [2, 1],
          [1, 3],
        ],
        [[], [2, 2]],
      ] as [number[], number[]][]) {
        const na = sa.reduce((x, y) => x * y, 1);
        const nbb = sb.reduce((x, y) => x * y, 1);
        // Distinct values keep maximum/minimum away from ties.
        const da = values(na, b.lo ?? -2, b.hi ?? 2, 21);
        const db = values(nbb, b.lo ?? -2, b.hi ?? 2, 22).map((v) => v + 0.013);
        checkGradients(b.op, [da, db], { shapes: [sa, sb] });
      }
    });
  }

  test('where: gradient flows to the chosen branch only', () => {
    const cond = nb.tensor([true, false, true]);
    checkGradients(
      (a, b) => nb.where(cond, a, b),
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    checkGradients((a, b) => nb.where(cond, a, b), [[1, 2, 3], [4]], { shapes: [[3], []] });
  });

  test('cast between float dtypes passes the gradient', () => {
    // A float32 round trip rounds at 1e-7, so the difference step and tolerance are coarse.
    checkGradients((x) => nb.cast(nb.cast(x, 'float32'), 'float64'), [[0.5, -1.25]], { h: 1e-2, rtol: 1e-4 });
  });
});
