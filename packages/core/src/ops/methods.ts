import { getBackendInstance } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { disposeTensor } from '../engine/memory.js';
import { formatTensor, type NestedArray, readData, readDataSync, toNested } from '../engine/read.js';
import { NablaError } from '../errors.js';
import { BINARY_OPS } from '../primitives.js';
import { Tensor } from '../tensor.js';
import type { TensorLike } from './creation.js';
import * as e from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import { dot, type MatMulOptions, matmul } from './matmul.js';
import * as m from './movement.js';
import { argMax, argMin, logSumExp, max, mean, min, norm, prod, type ReduceOptions, sum, variance } from './reduction.js';
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

    sum(axis?: number | number[], keepDims?: boolean): Tensor;
    mean(axis?: number | number[], keepDims?: boolean): Tensor;
    max(axis?: number | number[], keepDims?: boolean): Tensor;
    min(axis?: number | number[], keepDims?: boolean): Tensor;
    prod(axis?: number | number[], keepDims?: boolean): Tensor;
    variance(axis?: number | number[], keepDims?: boolean): Tensor;
    logSumExp(axis?: number | number[], keepDims?: boolean): Tensor;
    norm(ord?: 'euclidean' | number, axis?: number | number[], keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;

    matmul(b: TensorLike, opts?: MatMulOptions): Tensor;
    dot(b: TensorLike): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number | number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor;
    pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor;
    tile(reps: readonly number[]): Tensor;
    reverse(axis?: number | number[]): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
    split(sizes: number | readonly number[], axis?: number): Tensor[];
    flatten(): Tensor;
    stopGradient(): Tensor;
  }
}

const proto = Tensor.prototype;
const opts = (axis?: number | number[], keepDims?: boolean): ReduceOptions => ({ axis, keepDims });

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
  return formatTensor(this, sync || this.state.storage ? (sync ? readDataSync(this) : null) : null);
};
(proto as unknown as Record<symbol, unknown>)[Symbol.for('nodejs.util.inspect.custom')] = function (this: Tensor) {
  return this.toString();
};

for (const name of BINARY_OPS) {
  const fn = e[name] as (a: TensorLike, b: TensorLike) => Tensor;
  proto[name] = function (b: TensorLike) {
    return fn(this, b);
  };
}
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
for (const name of unaries) {
  const fn = e[name] as (x: TensorLike) => Tensor;
  proto[name] = function () {
    return fn(this);
  };
}
proto.leakyRelu = function (alpha) {
  return e.leakyRelu(this, alpha);
};
proto.elu = function (alpha) {
  return e.elu(this, alpha);
};
proto.gelu = function (approximate) {
  return e.gelu(this, approximate);
};
proto.clip = function (lo, hi) {
  return e.clip(this, lo, hi);
};
proto.cast = function (dtype) {
  return e.cast(this, dtype);
};

proto.sum = function (axis, keepDims) {
  return sum(this, opts(axis, keepDims));
};
proto.mean = function (axis, keepDims) {
  return mean(this, opts(axis, keepDims));
};
proto.max = function (axis, keepDims) {
  return max(this, opts(axis, keepDims));
};
proto.min = function (axis, keepDims) {
  return min(this, opts(axis, keepDims));
};
proto.prod = function (axis, keepDims) {
  return prod(this, opts(axis, keepDims));
};
proto.variance = function (axis, keepDims) {
  return variance(this, opts(axis, keepDims));
};
proto.logSumExp = function (axis, keepDims) {
  return logSumExp(this, opts(axis, keepDims));
};
proto.norm = function (ord, axis, keepDims) {
  return norm(this, ord, opts(axis, keepDims));
};
proto.argMax = function (axis) {
  return argMax(this, axis);
};
proto.argMin = function (axis) {
  return argMin(this, axis);
};
proto.softmax = function (axis) {
  return softmax(this, axis);
};
proto.logSoftmax = function (axis) {
  return logSoftmax(this, axis);
};

proto.matmul = function (b, o) {
  return matmul(this, b, o);
};
proto.dot = function (b) {
  return dot(this, b);
};
proto.reshape = function (shape) {
  return m.reshape(this, shape);
};
proto.transpose = function (perm) {
  return m.transpose(this, perm);
};
proto.expandDims = function (axis) {
  return m.expandDims(this, axis);
};
proto.squeeze = function (axis) {
  return m.squeeze(this, axis);
};
proto.broadcastTo = function (shape) {
  return m.broadcastTo(this, shape);
};
proto.slice = function (begin, size) {
  return m.slice(this, begin, size);
};
proto.pad = function (paddings, value) {
  return m.pad(this, paddings, value);
};
proto.tile = function (reps) {
  return m.tile(this, reps);
};
proto.reverse = function (axis) {
  return m.reverse(this, axis);
};
proto.gather = function (indices, axis) {
  return m.gather(this, indices, axis);
};
proto.split = function (sizes, axis) {
  return m.split(this, sizes, axis);
};
proto.flatten = function () {
  return m.reshape(this, [this.size]);
};
proto.stopGradient = function () {
  return stopGradient(this);
};
