import { NablaError } from './errors.js';
import { describe } from './options.js';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** bool is stored one byte per element, 0 or 1. */
export function arrayConstructor(dtype: DType) {
  switch (dtype) {
    case 'float32':
      return Float32Array;
    case 'float64':
      return Float64Array;
    case 'int32':
      return Int32Array;
    case 'bool':
      return Uint8Array;
  }
}

/** `n` elements of `dtype` in words, for allocation errors: `10000000000 float32 elements, 40000000000 bytes (40.0 GB)`. */
export function describeSize(dtype: DType, n: number): string {
  const bytes = n * bytesPerElement(dtype);
  const units = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${n} ${dtype} elements, ${bytes} bytes${u >= 0 ? ` (${v.toPrecision(3)} ${units[u]})` : ''}`;
}

/**
 * A zeroed host array of `size` elements. A size no typed array can hold (V8 allows 2^32
 * elements in Node 20), or memory the machine cannot give, is a NablaError naming `label` (the
 * op), the shape, the element count and the bytes, not the engine's bare RangeError.
 */
export function allocate(dtype: DType, size: number, label = 'allocate', shape?: readonly number[]): TypedArray {
  const what = () => `${label}: cannot allocate ${shape ? `a tensor of shape [${shape.join(',')}]: ` : ''}${describeSize(dtype, size)}`;
  if (!Number.isSafeInteger(size) || size < 0) throw new NablaError(`${what()}: the size is not a non-negative safe integer`);
  try {
    return new (arrayConstructor(dtype))(size);
  } catch (e) {
    if (e instanceof RangeError) throw new NablaError(`${what()}: ${e.message}`);
    throw e;
  }
}

export function bytesPerElement(dtype: DType): number {
  return arrayConstructor(dtype).BYTES_PER_ELEMENT;
}

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/** Whether a JavaScript number is exactly an int32 value. */
export function isInt32Value(v: number): boolean {
  return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Checks a dtype name given at run time (JavaScript callers, options from a config file). */
export function assertDType(op: string, value: unknown): DType {
  if (typeof value !== 'string') {
    throw new NablaError(`${op}: dtype must be one of ${DTYPES.join(', ')}, got ${describe(value)}`);
  }
  if (!(DTYPES as readonly string[]).includes(value)) {
    throw new NablaError(`${op}: unknown dtype '${value}'; expected one of ${DTYPES.join(', ')}`);
  }
  return value as DType;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype two operands meet at, as numpy and TensorFlow.js promote: bool < int32 < float32 < float64. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}
