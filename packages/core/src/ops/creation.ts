import { allocate, arrayConstructor, assertDType, type DType, isFloat, type TypedArray } from '../dtype.js';
import { fromHost } from '../engine/node.js';
import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { cast, expand, reshape } from './prims.js';

/** Nested arrays of numbers or booleans, a typed array, or a single value. */
export type TensorData = number | boolean | TypedArray | readonly TensorData[];
/** What ops accept where a tensor is expected: a number adopts the other operand's dtype. */
export type TensorLike = Tensor | TensorData;

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let level: TensorData = data;
  while (Array.isArray(level) || ArrayBuffer.isView(level)) {
    const arr = level as ArrayLike<TensorData>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    level = arr[0];
  }
  return shape;
}

function flatten(op: string, data: TensorData, shape: number[], out: (number | boolean)[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new NablaError(`${op}: ragged nested array: expected a value at depth ${depth} for shape ${fmtShape(shape)}`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) && !ArrayBuffer.isView(data)) {
    throw new NablaError(`${op}: ragged nested array: expected an array at depth ${depth} for shape ${fmtShape(shape)}`);
  }
  const arr = data as ArrayLike<TensorData>;
  if (arr.length !== shape[depth]) {
    throw new NablaError(`${op}: ragged nested array: length ${arr.length} at depth ${depth}, expected ${shape[depth]}`);
  }
  for (let i = 0; i < arr.length; i++) flatten(op, arr[i], shape, out, depth + 1);
}

function dtypeOfData(data: TensorData): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  let v: TensorData = data;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/**
 * Creates a tensor from values: `tensor([[1, 2], [3, 4]])`, `tensor(new Float32Array(6), [2, 3])`.
 * The dtype defaults to float32 for numbers and bool for booleans.
 */
export function tensor(values: TensorData, shape?: readonly number[], dtype?: DType): Tensor {
  return fromData('tensor', values, shape, dtype, false);
}

function fromData(
  op: string,
  values: TensorData,
  shape: readonly number[] | undefined,
  dtype: DType | undefined,
  internal: boolean,
): Tensor {
  if (dtype !== undefined) assertDType(op, dtype);
  const dt = dtype ?? dtypeOfData(values);
  const inferred = inferShape(values);
  let flat: ArrayLike<number | boolean>;
  if (ArrayBuffer.isView(values)) flat = values as TypedArray;
  else {
    const out: (number | boolean)[] = [];
    flatten(op, values, inferred, out);
    flat = out;
  }
  const target = shape === undefined ? inferred : checkShape(op, [...shape]);
  if (flat.length !== sizeOf(target)) {
    throw new NablaError(`${op}: ${flat.length} values do not fill shape ${fmtShape(target)}`);
  }
  // An array of the dtype's own type goes straight to the backend, which copies it anyway
  // (bool excepted: its bytes must be normalized to 0 and 1).
  if (dt !== 'bool' && flat instanceof arrayConstructor(dt)) return fromHost(op, flat as TypedArray, target, dt, internal);
  const data = allocate(dt, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' && typeof v !== 'boolean')
      throw new NablaError(`${op}: value ${String(v)} at flat index ${i} is not a number`);
    data[i] = dt === 'bool' ? (v ? 1 : 0) : (v as number);
  }
  return fromHost(op, data, target, dt, internal);
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

/**
 * A constant that ops make for their own use (`x.mul(2)`'s 2, a gradient rule's 0): it belongs
 * to the nodes that read it and is freed with the last of them, so it never shows up as a live
 * tensor the user must dispose.
 */
export function constant(values: TensorData, dtype?: DType): Tensor {
  return fromData('constant', values, undefined, dtype, true);
}

/** A tensor of `shape` filled with `value`; lazy, so it costs no memory until computed. */
export const fill = op(function fill(
  shape: readonly number[],
  value: number | boolean,
  dtype: DType = typeof value === 'boolean' ? 'bool' : 'float32',
  label = 'fill',
): Tensor {
  const s = checkShape(label, [...shape]);
  if (s.length === 0) return scalar(value, dtype);
  return expand(
    reshape(
      constant(value, dtype),
      s.map(() => 1),
      label,
    ),
    s,
    label,
  );
});

export const zeros = op(function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, dtype === 'bool' ? false : 0, dtype, 'zeros');
});

export const ones = op(function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, dtype === 'bool' ? true : 1, dtype, 'ones');
});

export const zerosLike = op(function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, x.dtype);
});

export const onesLike = op(function onesLike(x: Tensor): Tensor {
  return ones(x.shape, x.dtype);
});

/** Values from start (inclusive) to stop (exclusive) by step; `arange(5)` is 0..4. */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new NablaError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromHost('arange', data, [n], dtype);
}

/** `num` evenly spaced values from start to stop, both included. */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new NablaError(`linspace: num must be a non-negative integer, got ${num}`);
  const data = allocate(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromHost('linspace', data, [num], dtype);
}

/** An n x m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  const data = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromHost('eye', data, [n, m], dtype);
}

/** Converts a TensorLike; a bare number takes `like`'s dtype (so `x.mul(2)` stays float64 on float64). */
export function toTensor(op: string, x: TensorLike, like?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return constant(x, like === undefined || like === 'bool' ? 'float32' : like);
  if (typeof x === 'boolean') return constant(x, 'bool');
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return constant(x, like);
  throw new NablaError(`${op}: expected a tensor, a number or an array, got ${x === null ? 'null' : typeof x}`);
}

/** toTensor, then float32 for int and bool inputs: what transcendental ops and means compute in. */
export function toFloatTensor(op: string, x: TensorLike): Tensor {
  const t = toTensor(op, x);
  return isFloat(t.dtype) ? t : cast(t, 'float32', op);
}
