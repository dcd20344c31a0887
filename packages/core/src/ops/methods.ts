import { getBackendInstance } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { disposeTensor } from '../engine/memory.js';
import { formatTensor, type NestedArray, readData, readDataSync, toNested } from '../engine/read.js';
import { NablaError } from '../errors.js';
import { checkArity } from '../options.js';
import { BINARY_OPS } from '../primitives.js';
import type { Axis } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorLike } from './creation.js';
import * as e from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import { dot, type MatMulOptions, matmul } from './matmul.js';
import * as m from './movement.js';
import { argMax, argMin, logSumExp, max, mean, min, type NormOrd, norm, prod, type ReduceAxisArg, sum, variance } from './reduction.js';
import { logSoftmax, softmax } from './softmax.js';

/**
 * Chainable methods: `x.add(y)` is `nb.add(x, y)`. Declared here, beside their
 * implementations, so that tensor.ts needs no import of the ops.
 */
declare module '../tensor.js' {
  interface Tensor {
    data(): Promise<TypedArray>;
    dataSync(): TypedArray;
    array(): Promise<NestedArray>;
    arraySync(): NestedArray;
    /** The single value of a size-1 tensor. */
    item(): Promise<number | boolean>;
    itemSync(): number | boolean;
    dispose(): void;
    /** Prints the values (after computing them) to the console. */
    print(): Promise<void>;
    toString(): string;

    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    equal(b: TensorLike): Tensor;
    notEqual(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    lessEqual(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    greaterEqual(b: TensorLike): Tensor;
    logicalAnd(b: TensorLike): Tensor;
    logicalOr(b: TensorLike): Tensor;
    logicalNot(): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    floor(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    erf(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    relu6(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    elu(alpha?: number): Tensor;
    selu(): Tensor;
    gelu(approximate?: boolean): Tensor;
    softplus(): Tensor;
    swish(): Tensor;
    clip(min: number, max: number): Tensor;
    isNaN(): Tensor;
    isFinite(): Tensor;
    cast(dtype: DType): Tensor;

    /** `x.sum(1, true)` or `x.sum({ axis: 1, keepDims: true })`; all axes by default. */
    sum(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    mean(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    max(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    min(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    prod(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    variance(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    logSumExp(axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    norm(ord?: NormOrd, axis?: ReduceAxisArg, keepDims?: boolean): Tensor;
    /** Along axis 0 by default, as TensorFlow.js. */
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;

    /** `a.matmul(b, false, true)` or `a.matmul(b, { transposeB: true })`. */
    matmul(b: TensorLike, transposeA?: boolean | MatMulOptions, transposeB?: boolean): Tensor;
    dot(b: TensorLike): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: Axis): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor;
    pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor;
    tile(reps: readonly number[]): Tensor;
    reverse(axis?: Axis): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
    split(sizes: number | readonly number[], axis?: number): Tensor[];
    flatten(): Tensor;
    stopGradient(): Tensor;
  }
}

const proto = Tensor.prototype;

/**
 * `x.f(...args)` is `f(x, ...args)`: every argument is forwarded as given, so the function's
 * checks (options, types, a stray extra argument) apply to the method form too.
 */
function forward<A extends unknown[], R>(fn: (x: Tensor, ...args: A) => R) {
  return function (this: Tensor, ...args: A): R {
    return fn(this, ...args);
  };
}

proto.data = function () {
  return readData(this);
};
proto.dataSync = function () {
  return readDataSync(this);
};
proto.array = async function () {
  return toNested(this, await readData(this));
};
proto.arraySync = function () {
  return toNested(this, readDataSync(this));
};
function single(t: Tensor, data: TypedArray): number | boolean {
  if (t.size !== 1) throw new NablaError(`item: tensor has ${t.size} elements, not 1 (shape [${t.shape.join(',')}])`);
  return t.dtype === 'bool' ? data[0] !== 0 : data[0];
}
proto.item = async function () {
  return single(this, await readData(this));
};
proto.itemSync = function () {
  return single(this, readDataSync(this));
};
proto.dispose = function () {
  disposeTensor(this);
};
proto.print = async function () {
  console.log(formatTensor(this, await readData(this)));
};
proto.toString = function () {
  if (this.isDisposed) return `Tensor ${this.dtype} [${this.shape.join(',')}] (disposed)`;
  const sync = getBackendInstance(this.backend).capabilities.sync;
  // An asynchronous backend cannot read synchronously: the values are left out.
  return formatTensor(this, sync ? readDataSync(this) : null);
};
(proto as unknown as Record<symbol, unknown>)[Symbol.for('nodejs.util.inspect.custom')] = function (this: Tensor) {
  return this.toString();
};

for (const name of BINARY_OPS) proto[name] = forward(e[name] as (a: TensorLike, b: TensorLike) => Tensor);
const unaries = [
  'logicalNot',
  'neg',
  'abs',
  'sign',
  'floor',
  'exp',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'erf',
  'sigmoid',
  'relu',
  'relu6',
  'selu',
  'softplus',
  'swish',
  'isNaN',
  'isFinite',
] as const;
for (const name of unaries) proto[name] = forward(e[name] as (x: TensorLike) => Tensor);
proto.leakyRelu = forward(e.leakyRelu);
proto.elu = forward(e.elu);
proto.gelu = forward(e.gelu);
proto.clip = forward(e.clip);
proto.cast = forward(e.cast);

proto.sum = forward(sum);
proto.mean = forward(mean);
proto.max = forward(max);
proto.min = forward(min);
proto.prod = forward(prod);
proto.variance = forward(variance);
proto.logSumExp = forward(logSumExp);
proto.norm = forward(norm);
proto.argMax = forward(argMax);
proto.argMin = forward(argMin);
proto.softmax = forward(softmax);
proto.logSoftmax = forward(logSoftmax);

proto.matmul = forward(matmul);
proto.dot = forward(dot);
proto.reshape = forward(m.reshape);
proto.transpose = forward(m.transpose);
proto.expandDims = forward(m.expandDims);
proto.squeeze = forward(m.squeeze);
proto.broadcastTo = forward(m.broadcastTo);
proto.slice = forward(m.slice);
proto.pad = forward(m.pad);
proto.tile = forward(m.tile);
proto.reverse = forward(m.reverse);
proto.gather = forward(m.gather);
proto.split = forward(m.split);
/** One axis of all the values; takes no arguments. */
proto.flatten = function (this: Tensor, ...extra: unknown[]) {
  checkArity('flatten', extra, 0);
  return m.reshape(this, [this.size]);
};
proto.stopGradient = forward(stopGradient);
