import * as nb from '@nabla/core';

/**
 * nabla's side of every fixture op: the name the generator records, mapped to nabla's public
 * function with the recorded parameters (in nabla's conventions, see test-fixtures/README.md).
 */
export type Params = Record<string, unknown>;
type OpFn = (xs: nb.Tensor[], p: Params) => nb.Tensor;

const unary =
  (f: (x: nb.Tensor) => nb.Tensor): OpFn =>
  ([x]) =>
    f(x);
const binary =
  (f: (a: nb.Tensor, b: nb.Tensor) => nb.Tensor): OpFn =>
  ([a, b]) =>
    f(a, b);
const axisOpts = (p: Params): nb.ReduceOptions => ({
  axis: p.axis === null || p.axis === undefined ? undefined : (p.axis as number | number[]),
  keepDims: p.keepDims === true,
});
const reduce =
  (f: (x: nb.Tensor, o: nb.ReduceOptions) => nb.Tensor): OpFn =>
  ([x], p) =>
    f(x, axisOpts(p));

export const OPS: Record<string, OpFn> = {
  neg: unary(nb.neg),
  abs: unary(nb.abs),
  sign: unary(nb.sign),
  floor: unary(nb.floor),
  exp: unary(nb.exp),
  log: unary(nb.log),
  log1p: unary(nb.log1p),
  sqrt: unary(nb.sqrt),
  rsqrt: unary(nb.rsqrt),
  square: unary(nb.square),
  reciprocal: unary(nb.reciprocal),
  sin: unary(nb.sin),
  cos: unary(nb.cos),
  tanh: unary(nb.tanh),
  erf: unary(nb.erf),
  sigmoid: unary(nb.sigmoid),
  relu: unary(nb.relu),
  relu6: unary(nb.relu6),
  elu: unary((x) => nb.elu(x)),
  selu: unary(nb.selu),
  softplus: unary(nb.softplus),
  swish: unary(nb.swish),
  gelu: unary((x) => nb.gelu(x)),
  isNaN: unary(nb.isNaN),
  isFinite: unary(nb.isFinite),
  logicalNot: unary(nb.logicalNot),
  leakyRelu: ([x], p) => nb.leakyRelu(x, p.alpha as number),
  clip: ([x], p) => nb.clip(x, p.min as number, p.max as number),
  add: binary(nb.add),
  sub: binary(nb.sub),
  mul: binary(nb.mul),
  div: binary(nb.div),
  pow: binary(nb.pow),
  maximum: binary(nb.maximum),
  minimum: binary(nb.minimum),
  equal: binary(nb.equal),
  notEqual: binary(nb.notEqual),
  less: binary(nb.less),
  lessEqual: binary(nb.lessEqual),
  greater: binary(nb.greater),
  greaterEqual: binary(nb.greaterEqual),
  logicalAnd: binary(nb.logicalAnd),
  logicalOr: binary(nb.logicalOr),
  where: ([c, a, b]) => nb.where(c, a, b),
  cast: ([x], p) => nb.cast(x, p.dtype as nb.DType),
  sum: reduce(nb.sum),
  mean: reduce(nb.mean),
  max: reduce(nb.max),
  min: reduce(nb.min),
  prod: reduce(nb.prod),
  logSumExp: reduce(nb.logSumExp),
  variance: reduce(nb.variance),
  norm: ([x], p) => nb.norm(x, 'euclidean', axisOpts(p)),
  // axis null: over all values (the fixtures flatten on the TF.js side too); argMax's own default is axis 0.
  argMax: ([x], p) => (p.axis == null ? nb.argMax(nb.reshape(x, [-1])) : nb.argMax(x, p.axis as number)),
  argMin: ([x], p) => (p.axis == null ? nb.argMin(nb.reshape(x, [-1])) : nb.argMin(x, p.axis as number)),
  matmul: ([a, b], p) => nb.matmul(a, b, { transposeA: p.transposeA === true, transposeB: p.transposeB === true }),
  dot: binary(nb.dot),
  reshape: ([x], p) => nb.reshape(x, p.shape as number[]),
  transpose: ([x], p) => nb.transpose(x, p.perm as number[] | undefined),
  expandDims: ([x], p) => nb.expandDims(x, p.axis as number),
  squeeze: ([x], p) => nb.squeeze(x, (p.axis ?? undefined) as number | number[] | undefined),
  broadcastTo: ([x], p) => nb.broadcastTo(x, p.shape as number[]),
  slice: ([x], p) => nb.slice(x, p.begin as number[], p.size as number[]),
  concat: (xs, p) => nb.concat(xs, p.axis as number),
  stack: (xs, p) => nb.stack(xs, p.axis as number),
  split: ([x], p) => nb.split(x, p.sizes as number | number[], p.axis as number)[p.part as number],
  pad: ([x], p) => nb.pad(x, p.paddings as [number, number][], (p.value as number) ?? 0),
  tile: ([x], p) => nb.tile(x, p.reps as number[]),
  reverse: ([x], p) => nb.reverse(x, (p.axis ?? undefined) as number | number[] | undefined),
  gather: ([x, i], p) => nb.gather(x, i, (p.axis as number) ?? 0),
  oneHot: ([i], p) => nb.oneHot(i, p.depth as number),
  softmax: ([x], p) => nb.softmax(x, (p.axis as number) ?? -1),
  logSoftmax: ([x], p) => nb.logSoftmax(x, (p.axis as number) ?? -1),
};

const EXACT = new Set([
  'neg',
  'abs',
  'sign',
  'floor',
  'isNaN',
  'isFinite',
  'logicalNot',
  'relu',
  'relu6',
  'clip',
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
  'where',
  'cast',
  'max',
  'min',
  'argMax',
  'argMin',
  'reshape',
  'transpose',
  'expandDims',
  'squeeze',
  'broadcastTo',
  'slice',
  'concat',
  'stack',
  'split',
  'pad',
  'tile',
  'reverse',
  'gather',
  'oneHot',
  'add',
  'sub',
  'mul',
]);
const ACCUMULATE = new Set(['sum', 'mean', 'prod', 'logSumExp', 'variance', 'norm', 'matmul', 'dot', 'softmax', 'logSoftmax']);

/** How close a forward result must be, by op: see tolerance.ts. */
export function forwardKind(op: string): 'exact' | 'float32' | 'accumulate' {
  if (EXACT.has(op)) return 'exact';
  if (ACCUMULATE.has(op)) return 'accumulate';
  return 'float32';
}

/** Runs a fixture op, applying the generator's "transposeInput" convention first. */
export function applyOp(op: string, inputs: nb.Tensor[], params: Params): nb.Tensor {
  const fn = OPS[op];
  if (!fn) throw new nb.NablaError(`conformance: no nabla mapping for fixture op '${op}'`);
  const k = params.transposeInput;
  const xs = typeof k === 'number' ? inputs.map((x, i) => (i === k ? nb.transpose(x) : x)) : inputs;
  return fn(xs, params);
}
