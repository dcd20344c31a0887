import {
  allocate,
  arrayConstructor,
  assertDType,
  type DType,
  INT32_MAX,
  INT32_MIN,
  isFloat,
  isInt32Value,
  type TypedArray,
} from '../dtype.js';
import { fromHost } from '../engine/node.js';
import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { type Check, checkArg, checkArity, describe, is } from '../options.js';
import { checkShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { cast, expand, reshape } from './prims.js';

/**
 * The typed arrays `tensor()` reads. Integer arrays are integers, never booleans: a Uint8Array
 * of pixels (or a Node Buffer) becomes an int32 tensor, as in TensorFlow.js.
 */
export type HostArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;
/** Nested arrays of numbers or booleans, a typed array, or a single value. */
export type TensorData = number | boolean | HostArray | readonly TensorData[];
/** What ops accept where a tensor is expected: a number adopts the other operand's dtype. */
export type TensorLike = Tensor | TensorData;
/** A shape argument: a list of dimensions, or one non-negative integer for a 1-D shape (`ones(3)`). */
export type ShapeLike = readonly number[] | number;

/** Integer arrays whose every value is an int32. */
const SMALL_INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array];
const INTEGER_ARRAYS = [...SMALL_INTEGER_ARRAYS, Int32Array, Uint32Array];

/** The dtype a typed array's values become; a typed array nabla cannot hold is an error. */
function dtypeOfHostArray(op: string, data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (INTEGER_ARRAYS.some((C) => data instanceof C)) return 'int32';
  throw new NablaError(
    `${op}: ${describe(data)} is not supported; pass numbers, booleans, nested arrays of them, ` +
      'or a Float32Array, Float64Array or integer typed array (Int8 to Int32, Uint8 to Uint32)',
  );
}

function isHostArray(v: unknown): v is HostArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let level: TensorData = data;
  while (Array.isArray(level) || isHostArray(level)) {
    const arr = level as ArrayLike<TensorData>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    level = arr[0];
  }
  return shape;
}

function flatten(op: string, data: TensorData, shape: number[], out: (number | boolean)[], depth = 0): void {
  if (depth === shape.length) {
    if (Array.isArray(data) || ArrayBuffer.isView(data)) {
      throw new NablaError(`${op}: ragged nested array: expected a value at depth ${depth} for shape ${fmtShape(shape)}`);
    }
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new NablaError(`${op}: value ${describe(data)} at flat index ${out.length} is not a number or a boolean`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) && !isHostArray(data)) {
    throw new NablaError(`${op}: ragged nested array: expected an array at depth ${depth} for shape ${fmtShape(shape)}`);
  }
  const arr = data as ArrayLike<TensorData>;
  if (arr.length !== shape[depth]) {
    throw new NablaError(`${op}: ragged nested array: length ${arr.length} at depth ${depth}, expected ${shape[depth]}`);
  }
  for (let i = 0; i < arr.length; i++) flatten(op, arr[i], shape, out, depth + 1);
}

/** float32 for numbers, bool for booleans; a typed array (also nested) decides by its type. */
function dtypeOfData(op: string, data: TensorData): DType {
  let v: TensorData = data;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  if (ArrayBuffer.isView(v)) return dtypeOfHostArray(op, v);
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/**
 * The value an element of an int32 tensor gets. It must already be an int32: a fraction, NaN,
 * Infinity or a value outside [-2^31, 2^31-1] is an error naming the op, the value and its flat
 * index, never a silent truncation. `cast` is the conversion with defined rounding.
 */
function int32Value(op: string, v: number | boolean, index: number): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (!isInt32Value(v)) {
    throw new NablaError(
      `${op}: value ${v} at flat index ${index} is not an int32 (an integer in [${INT32_MIN}, ${INT32_MAX}]); ` +
        `to convert floats, make a float tensor and cast it: cast(x, 'int32') truncates toward zero and saturates`,
    );
  }
  return v;
}

/** A value put into a bool tensor: true for any non-zero number, NaN included, as cast to bool does. */
function boolValue(v: number | boolean): number {
  return typeof v === 'boolean' ? Number(v) : v !== 0 ? 1 : 0;
}

/**
 * Creates a tensor from values: `tensor([[1, 2], [3, 4]])`, `tensor(new Float32Array(6), [2, 3])`.
 *
 * The dtype, unless given, comes from the data: float32 for numbers, bool for booleans, and for
 * a typed array its own type: Float32Array float32, Float64Array float64, and every integer array
 * (Int8, Uint8 and a Node Buffer, Uint8Clamped, Int16, Uint16, Int32, Uint32) int32, as in
 * TensorFlow.js. Bytes are numbers, not booleans: bool comes from boolean values, or from an
 * explicit `'bool'` (then every non-zero value, NaN included, is true, as `cast` has it).
 *
 * Values put into an int32 tensor must be integers in int32 range: 1.7, NaN, Infinity or 3e10
 * is an error (naming the value and its flat index), not a silent truncation; `cast` converts.
 */
export function tensor(values: TensorData, shape?: ShapeLike | null, dtype?: DType, ...extra: never[]): Tensor {
  checkArity('tensor', [values, shape, dtype, ...extra], 3);
  // null, like undefined, means "the data's own shape", as TensorFlow.js reads it.
  return fromData('tensor', values, shape ?? undefined, dtype, false);
}

function fromData(op: string, values: TensorData, shape: ShapeLike | undefined, dtype: DType | undefined, internal: boolean): Tensor {
  if (values === undefined) throw new NablaError(`${op}: argument 'values' is required`);
  if (dtype !== undefined) assertDType(op, dtype);
  const dt = dtype ?? dtypeOfData(op, values);
  const target = shape === undefined ? undefined : checkShape(op, shape, true);
  let flat: ArrayLike<number | boolean>;
  if (isHostArray(values)) {
    dtypeOfHostArray(op, values);
    flat = values as HostArray;
  } else {
    if (ArrayBuffer.isView(values)) dtypeOfHostArray(op, values);
    const out: (number | boolean)[] = [];
    flatten(op, values, inferShape(values), out);
    flat = out;
  }
  const dims = target ?? inferShape(values);
  if (flat.length !== sizeOf(dims)) {
    throw new NablaError(`${op}: ${flat.length} values do not fill shape ${fmtShape(dims)}`);
  }
  // An array of the dtype's own type goes straight to the backend, which copies it anyway
  // (bool excepted: its bytes must be normalized to 0 and 1).
  if (dt !== 'bool' && flat instanceof arrayConstructor(dt)) return fromHost(op, flat as TypedArray, dims, dt, internal);
  const data = allocate(dt, flat.length, op, dims);
  // A typed array into a float dtype, or small integers into int32, converts exactly: one copy.
  if (isHostArray(flat) && (isFloat(dt) || (dt === 'int32' && SMALL_INTEGER_ARRAYS.some((C) => flat instanceof C)))) {
    data.set(flat);
    return fromHost(op, data, dims, dt, internal);
  }
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (dt === 'bool') data[i] = boolValue(v);
    else if (dt === 'int32') data[i] = int32Value(op, v, i);
    else data[i] = v as number;
  }
  return fromHost(op, data, dims, dt, internal);
}

const numberOrBoolean: Check = (v) => (typeof v === 'number' || typeof v === 'boolean' ? undefined : 'a number or a boolean');

/** A rank-0 tensor: `scalar(3)`, `scalar(true)`, `scalar(2, 'int32')`. */
export function scalar(value: number | boolean, dtype?: DType, ...extra: never[]): Tensor {
  checkArity('scalar', [value, dtype, ...extra], 2);
  checkArg('scalar', 'value', value, numberOrBoolean, false);
  return fromData('scalar', value, [], dtype, false);
}

/**
 * A constant that ops make for their own use (`x.mul(2)`'s 2, a gradient rule's 0): it belongs
 * to the nodes that read it and is freed with the last of them, so it never shows up as a live
 * tensor the user must dispose. `label` is the op named in errors.
 */
export function constant(values: TensorData, dtype?: DType, label = 'constant'): Tensor {
  return fromData(label, values, undefined, dtype, true);
}

/** fill's body, with the public op (fill, zeros, ones) named in errors. */
function filled(label: string, shape: ShapeLike, value: number | boolean, dtype: DType | undefined): Tensor {
  const s = checkShape(label, shape, true);
  checkArg(label, 'value', value, numberOrBoolean, false);
  const dt = dtype === undefined ? (typeof value === 'boolean' ? 'bool' : 'float32') : assertDType(label, dtype);
  const c = constant(value, dt, label);
  if (s.length === 0) return c;
  return expand(
    reshape(
      c,
      s.map(() => 1),
      label,
    ),
    s,
    label,
  );
}

/**
 * A tensor of `shape` filled with `value`; lazy, so it costs no memory until computed. The dtype
 * defaults to bool for a boolean value, else float32; int32 takes only an int32 value.
 */
export const fill = op(
  'fill',
  function fill(shape: ShapeLike, value: number | boolean, dtype?: DType): Tensor {
    return filled('fill', shape, value, dtype);
  },
  3,
);

/** Zeros of `shape` (`zeros([2, 3])`, or `zeros(3)` for 1-D). */
export const zeros = op(
  'zeros',
  function zeros(shape: ShapeLike, dtype: DType = 'float32'): Tensor {
    return filled('zeros', shape, dtype === 'bool' ? false : 0, dtype);
  },
  2,
);

/** Ones of `shape` (`ones([2, 3])`, or `ones(3)` for 1-D). */
export const ones = op(
  'ones',
  function ones(shape: ShapeLike, dtype: DType = 'float32'): Tensor {
    return filled('ones', shape, dtype === 'bool' ? true : 1, dtype);
  },
  2,
);

/** Zeros of x's shape and dtype. */
export const zerosLike = op(
  'zerosLike',
  function zerosLike(x: TensorLike): Tensor {
    const t = toTensor('zerosLike', x);
    return filled('zerosLike', t.shape, t.dtype === 'bool' ? false : 0, t.dtype);
  },
  1,
);

/** Ones of x's shape and dtype. */
export const onesLike = op(
  'onesLike',
  function onesLike(x: TensorLike): Tensor {
    const t = toTensor('onesLike', x);
    return filled('onesLike', t.shape, t.dtype === 'bool' ? true : 1, t.dtype);
  },
  1,
);

/** Writes `value(i)` for i < n into a new host array of `dtype`; int32 values are checked (int32Value). */
function generate(op: string, dtype: DType, n: number, value: (i: number) => number): TypedArray {
  // An int32 sequence whose last value leaves int32 fails before allocating, not after filling.
  const last = n > 0 ? value(n - 1) : 0;
  if (dtype === 'int32' && (last > INT32_MAX || last < INT32_MIN)) int32Value(op, last, n - 1);
  const data = allocate(dtype, n, op, [n]);
  if (dtype === 'int32') for (let i = 0; i < n; i++) data[i] = int32Value(op, value(i), i);
  else if (dtype === 'bool') for (let i = 0; i < n; i++) data[i] = boolValue(value(i));
  else for (let i = 0; i < n; i++) data[i] = value(i);
  return data;
}

/**
 * Values from start (inclusive) to stop (exclusive) by step; `arange(5)` is 0..4 (NumPy's
 * arange, TensorFlow.js's range). An int32 arange must produce integers: `arange(0, 1, 0.5,
 * 'int32')` is an error, not [0, 0].
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32', ...extra: never[]): Tensor {
  const op = 'arange';
  checkArity(op, [start, stop, step, dtype, ...extra], 4);
  checkArg(op, 'start', start, is.finite, false);
  checkArg(op, 'stop', stop, is.finite);
  checkArg(op, 'step', step, is.finite);
  assertDType(op, dtype);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new NablaError(`${op}: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const first = start;
  return fromHost(
    op,
    generate(op, dtype, n, (i) => first + i * step),
    [n],
    dtype,
  );
}

/** `num` evenly spaced values from start to stop, both included. int32 takes only integer values. */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32', ...extra: never[]): Tensor {
  const op = 'linspace';
  checkArity(op, [start, stop, num, dtype, ...extra], 4);
  checkArg(op, 'start', start, is.finite, false);
  checkArg(op, 'stop', stop, is.finite, false);
  checkArg(op, 'num', num, is.nonNegativeInteger, false);
  assertDType(op, dtype);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  return fromHost(
    op,
    generate(op, dtype, num, (i) => (i === num - 1 && num > 1 ? stop : start + i * step)),
    [num],
    dtype,
  );
}

/** An n x m identity matrix (m defaults to n). */
export function eye(n: number, m?: number | null, dtype?: DType): Tensor;
/** TensorFlow.js's form: a batch of identity matrices, shape [...batchShape, n, m]. */
export function eye(n: number, m: number | null | undefined, batchShape: ShapeLike | null | undefined, dtype?: DType): Tensor;
export function eye(n: number, m?: number | null, third?: DType | ShapeLike | null, fourth?: DType, ...extra: never[]): Tensor {
  const op = 'eye';
  checkArity(op, [n, m, third, fourth, ...extra], 4);
  // null, like undefined, means the default (TensorFlow.js's `numColumns == null` reading).
  m ??= undefined;
  third ??= undefined;
  checkArg(op, 'n', n, is.nonNegativeInteger, false);
  checkArg(op, 'm', m, is.nonNegativeInteger);
  if (typeof third === 'string' && fourth !== undefined) {
    throw new NablaError(
      `${op}: the third argument is the dtype ('${third}') or, as in TensorFlow.js, a batch shape; got a fourth, ${describe(fourth)}`,
    );
  }
  const batch = third === undefined || typeof third === 'string' ? [] : checkShape(op, third, true);
  const dtype = assertDType(op, typeof third === 'string' ? third : (fourth ?? 'float32'));
  const cols = m ?? n;
  const shape = checkShape(op, [...batch, n, cols]);
  const data = allocate(dtype, sizeOf(shape), op, shape);
  const count = sizeOf(batch);
  for (let b = 0; b < count; b++) for (let i = 0; i < Math.min(n, cols); i++) data[b * n * cols + i * cols + i] = 1;
  return fromHost(op, data, shape, dtype);
}

/** Converts a TensorLike; a bare number takes `like`'s dtype (so `x.mul(2)` stays float64 on float64). */
export function toTensor(op: string, x: TensorLike, like?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return constant(x, like === undefined || like === 'bool' ? 'float32' : like, op);
  if (typeof x === 'boolean') return constant(x, 'bool', op);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return constant(x, like, op);
  throw new NablaError(`${op}: expected a tensor, a number or an array, got ${describe(x)}`);
}

/** toTensor, then float32 for int and bool inputs: what transcendental ops and means compute in. */
export function toFloatTensor(op: string, x: TensorLike): Tensor {
  const t = toTensor(op, x);
  return isFloat(t.dtype) ? t : cast(t, 'float32', op);
}
