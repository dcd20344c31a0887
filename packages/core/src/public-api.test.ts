import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from './index.js';

/**
 * Every function @nabla/core exports is checked at run time, for JavaScript callers and options
 * built at run time: each export is classified here, and a new export nobody classified fails.
 *
 * - `options`: the arguments of a valid call with the options object `o` in its place; the
 *   test passes `{}` (valid) and `{ notAnOption: 1 }` (a NablaError naming the op and the key).
 * - `args`: a valid call with every positional argument given; the test adds one more and
 *   expects a NablaError naming the op (a stray argument is never ignored).
 * - `exempt`: why the function is not walked (a class, a variadic utility, a helper for backend
 *   authors that is not a user op).
 */
type Entry =
  | { options?: (o: object) => unknown[]; args?: () => unknown[]; exempt?: undefined }
  | { exempt: string; options?: undefined; args?: undefined };

const x = () =>
  nb.tensor([
    [1, 2],
    [3, 4],
  ]);
const v = () => nb.tensor([1, 2]);
const bools = () => nb.tensor([true, false]);
const int = () => nb.tensor([0, 1], [2], 'int32');
const scalarFn = (t: nb.Tensor) => nb.sum(t);

const reduction = (): Entry => ({ options: (o) => [x(), o], args: () => [x(), 1, true] });
const unary = (): Entry => ({ args: () => [x()] });
const binary = (): Entry => ({ args: () => [x(), v()] });
const logical = (): Entry => ({ args: () => [bools(), bools()] });

const BACKEND_HELPER = 'a helper for backend authors, not a user op';
const VALIDATION = 'the runtime-check helper itself';

const API: Record<string, Entry> = {
  // Classes.
  Tensor: { exempt: 'a class: constructed by ops, not by users' },
  NablaError: { exempt: 'a class: the error type' },

  // Reductions: positional (TF.js) and options forms.
  sum: reduction(),
  mean: reduction(),
  max: reduction(),
  min: reduction(),
  prod: reduction(),
  variance: reduction(),
  moments: reduction(),
  batchNorm: { args: () => [x(), v(), v(), v(), v(), 1e-3] },
  logSumExp: reduction(),
  norm: { options: (o) => [x(), 'euclidean', o], args: () => [x(), 'euclidean', 1, true] },
  argMax: { args: () => [x(), 1] },
  argMin: { args: () => [x(), 1] },
  softmax: { args: () => [x(), -1] },
  logSoftmax: { args: () => [x(), -1] },

  // Products.
  matmul: { options: (o) => [x(), x(), o], args: () => [x(), x(), false, true] },
  dot: binary(),
  attentionWeights: { options: (o) => [x(), x(), o], args: () => [x(), x(), {}] },
  dotProductAttention: { options: (o) => [x(), x(), x(), o], args: () => [x(), x(), x(), {}] },

  // Elementwise.
  add: binary(),
  sub: binary(),
  mul: binary(),
  div: binary(),
  pow: binary(),
  maximum: binary(),
  minimum: binary(),
  equal: binary(),
  notEqual: binary(),
  less: binary(),
  lessEqual: binary(),
  greater: binary(),
  greaterEqual: binary(),
  logicalAnd: logical(),
  logicalOr: logical(),
  logicalNot: { args: () => [bools()] },
  neg: unary(),
  abs: unary(),
  sign: unary(),
  floor: unary(),
  exp: unary(),
  log: unary(),
  log1p: unary(),
  sqrt: unary(),
  rsqrt: unary(),
  square: unary(),
  reciprocal: unary(),
  sin: unary(),
  cos: unary(),
  tanh: unary(),
  erf: unary(),
  isNaN: unary(),
  isFinite: unary(),
  sigmoid: unary(),
  relu: unary(),
  relu6: unary(),
  selu: unary(),
  softplus: unary(),
  swish: unary(),
  leakyRelu: { args: () => [x(), 0.1] },
  elu: { args: () => [x(), 1] },
  gelu: { args: () => [x(), true] },
  clip: { args: () => [x(), 0, 1] },
  cast: { args: () => [x(), 'int32'] },
  where: { args: () => [bools(), v(), 0] },
  stopGradient: unary(),

  // Movement.
  reshape: { args: () => [x(), [4]] },
  transpose: { args: () => [x(), [1, 0]] },
  expandDims: { args: () => [x(), 0] },
  squeeze: { args: () => [nb.ones([1, 2]), 0] },
  broadcastTo: { args: () => [v(), [2, 2]] },
  slice: { args: () => [x(), [0, 0], [1, 1]] },
  concat: { args: () => [[x(), x()], 0] },
  stack: { args: () => [[x(), x()], 0] },
  split: { args: () => [x(), 2, 0] },
  pad: {
    args: () => [
      x(),
      [
        [1, 1],
        [0, 0],
      ],
      0,
    ],
  },
  tile: { args: () => [x(), [1, 2]] },
  reverse: { args: () => [x(), 0] },
  gather: { options: (o) => [x(), int(), 0, o], args: () => [x(), int(), 0, {}] },
  oneHot: { args: () => [int(), 3, 1, 0] },
  takeAlongLastAxis: { options: (o) => [x(), int(), o] },

  // Convolution and pooling (ops/conv.ts, ops/pool.ts): TF.js's positional forms, or options.
  conv: { options: (o) => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), o] },
  conv1d: {
    options: (o) => [nb.ones([1, 3, 1]), nb.ones([2, 1, 1]), o],
    args: () => [nb.ones([1, 3, 1]), nb.ones([2, 1, 1]), 1, 'same', 'NWC', 1],
  },
  conv2d: {
    options: (o) => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), o],
    args: () => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), 1, 'same', 'NHWC', 1],
  },
  depthwiseConv2d: {
    options: (o) => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), o],
    args: () => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), 1, 'same', 'NHWC', 1],
  },
  separableConv2d: {
    options: (o) => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), nb.ones([1, 1, 1, 2]), o],
    args: () => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), nb.ones([1, 1, 1, 2]), 1, 'same', 1, 'NHWC'],
  },
  convTranspose: { options: (o) => [nb.ones([1, 3, 3, 1]), nb.ones([2, 2, 1, 1]), o] },
  maxPool: { options: (o) => [nb.ones([1, 4, 4, 1]), { poolSize: 2, ...o }], args: () => [nb.ones([1, 4, 4, 1]), 2, 2, 'same'] },
  avgPool: { options: (o) => [nb.ones([1, 4, 4, 1]), { poolSize: 2, ...o }], args: () => [nb.ones([1, 4, 4, 1]), 2, 2, 'same'] },

  // Creation and random (ops/creation.ts, random/random.ts).
  tensor: { args: () => [[1, 2], [2], 'float32'] },
  scalar: { args: () => [1, 'float32'] },
  fill: { args: () => [[2], 1, 'float32'] },
  zeros: { args: () => [[2], 'float32'] },
  ones: { args: () => [[2], 'float32'] },
  zerosLike: unary(),
  onesLike: unary(),
  arange: { args: () => [0, 3, 1, 'float32'] },
  linspace: { args: () => [0, 1, 3, 'float32'] },
  eye: { args: () => [2, 2, [1], 'float32'] },
  randomUniform: { options: (o) => [[2], o], args: () => [[2], 0, 1, 'float32', 1] },
  randomNormal: { options: (o) => [[2], o], args: () => [[2], 0, 1, 'float32', 1] },
  truncatedNormal: { options: (o) => [[2], o], args: () => [[2], 0, 1, 'float32', 1] },
  setSeed: { args: () => [1] },

  // Autodiff, compilation, memory, backends.
  backward: { exempt: 'takes arrays of outputs, seeds and wrt (an engine entry point for packages built on core)' },
  grad: { args: () => [scalarFn] },
  valueAndGrad: { args: () => [scalarFn] },
  vjp: { args: () => [(t: nb.Tensor) => nb.mul(t, 2), x(), nb.ones([2, 2])] },
  jit: { args: () => [(t: nb.Tensor) => nb.mul(t, 2)] },
  tidy: { args: () => [() => 1] },
  keep: { exempt: 'a utility over any tensor container' },
  dispose: { exempt: 'a utility over any tensor container' },
  memory: { exempt: 'a utility reporting memory; takes no arguments' },
  realize: { exempt: 'variadic: computes every tensor of every argument' },
  setDebug: { exempt: 'a utility switch' },
  isDebug: { exempt: 'a utility query' },
  cacheStats: { exempt: BACKEND_HELPER },
  setCacheLimits: { options: (o) => [o], args: () => [{}] },
  registerBackend: { exempt: BACKEND_HELPER },
  setBackend: { args: () => ['cpu'] },
  getBackend: { exempt: 'a utility query' },
  getBackendInstance: { exempt: BACKEND_HELPER },
  listBackends: { exempt: 'a utility query' },
  allocate: { exempt: BACKEND_HELPER },
  bytesPerElement: { exempt: BACKEND_HELPER },
  isFloat: { exempt: BACKEND_HELPER },
  broadcastShapes: { exempt: 'variadic shape helper for backend authors' },
  shapesEqual: { exempt: BACKEND_HELPER },
  sizeOf: { exempt: BACKEND_HELPER },
  stridesOf: { exempt: BACKEND_HELPER },
  broadcastStrides: { exempt: BACKEND_HELPER },
  collapseAxes: { exempt: BACKEND_HELPER },
  stridedOffsets: { exempt: BACKEND_HELPER },
  matmulDims: { exempt: BACKEND_HELPER },
  checkIndices: { exempt: BACKEND_HELPER },
  firstBadIndex: { exempt: BACKEND_HELPER },
  indexError: { exempt: BACKEND_HELPER },
  graphValue: { exempt: BACKEND_HELPER },
  philox4x32: { exempt: 'the reference RNG for backend authors' },
  philoxUniform: { exempt: 'the reference RNG for backend authors' },
  randomCounter: { exempt: 'the reference RNG for host code (the counter of a draw)' },
  checkArg: { exempt: VALIDATION },
  checkArity: { exempt: VALIDATION },
  checkOptions: { exempt: VALIDATION },
  describe: { exempt: VALIDATION },
  nearestKey: { exempt: VALIDATION },
};

const exported = Object.entries(nb).filter(([, value]) => typeof value === 'function') as [string, (...args: unknown[]) => unknown][];

/** The call's NablaError, or a failure naming what happened instead. */
function errorOf(call: () => unknown): Error {
  try {
    nb.tidy(() => {
      call();
    });
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, the call returned');
}

describe('public API: every export checks its arguments at run time', () => {
  test('every exported function is classified', () => {
    const unclassified = exported.map(([name]) => name).filter((name) => !(name in API));
    expect(unclassified).toEqual([]);
  });

  test('the table names only real exports, each with a check or a reason', () => {
    const names = new Set(exported.map(([name]) => name));
    expect(Object.keys(API).filter((name) => !names.has(name))).toEqual([]);
    for (const [name, entry] of Object.entries(API)) {
      expect(entry.exempt !== undefined || entry.options !== undefined || entry.args !== undefined, name).toBe(true);
    }
  });

  for (const [name, fn] of exported) {
    const entry = API[name];
    if (!entry || entry.exempt !== undefined) continue;
    const { options, args } = entry;
    if (options) {
      test(`${name}: an unknown option is an error naming the op and the key`, () => {
        expect(() => nb.tidy(() => void fn(...options({})))).not.toThrow();
        const e = errorOf(() => fn(...options({ notAnOption: 1 })));
        expect(e).toBeInstanceOf(nb.NablaError);
        expect(e.message).toContain(`${name}:`);
        expect(e.message).toContain('notAnOption');
      });
    }
    if (args) {
      test(`${name}: a stray positional argument is an error naming the op`, () => {
        expect(() => nb.tidy(() => void fn(...args()))).not.toThrow();
        const e = errorOf(() => fn(...args(), 'stray'));
        expect(e).toBeInstanceOf(nb.NablaError);
        expect(e.message).toContain(`${name}:`);
        expect(e.message).toContain('stray');
      });
    }
  }
});
