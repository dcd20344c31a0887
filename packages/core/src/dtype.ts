import { NablaError } from './errors.js';

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

export function allocate(dtype: DType, size: number): TypedArray {
  return new (arrayConstructor(dtype))(size);
}

export function bytesPerElement(dtype: DType): number {
  return arrayConstructor(dtype).BYTES_PER_ELEMENT;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function assertDType(op: string, value: string): DType {
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
