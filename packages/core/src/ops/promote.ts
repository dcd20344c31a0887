import { type DType, isFloat, isInt32Value, promote } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { type TensorData, type TensorLike, toTensor } from './creation.js';
import { cast } from './prims.js';

/**
 * Casts tensors to the dtype they meet at (bool < int32 < float32 < float64); with `arithmetic`,
 * bools meet at int32, since true + true is 2.
 */
export function promoteCast(op: string, ts: Tensor[], arithmetic = false): Tensor[] {
  let dt = ts.reduce((d, t) => promote(d, t.dtype), ts[0].dtype);
  if (arithmetic && dt === 'bool') dt = 'int32';
  return ts.map((t) => cast(t, dt, op));
}

/**
 * Weak typing, as JAX has it: the dtype a JavaScript number (or plain array of numbers) takes
 * beside a tensor of dtype `strong`. Beside a float tensor it takes that float dtype. Beside an
 * int32 or bool tensor an int32 value takes int32, and anything else (a fraction, NaN,
 * Infinity, a value outside int32) takes float32, so that `int.mul(0.5)` is [0.5, 1, 1.5] and
 * never a truncated [0, 0, 0]. An array holding booleans is bool.
 */
export function weakDType(values: number | boolean | readonly unknown[], strong: DType): DType {
  if (isFloat(strong)) return strong;
  let fractional = false;
  let boolean = false;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'boolean') boolean = true;
    else if (typeof v === 'number' && !isInt32Value(v)) fractional = true;
  };
  visit(values);
  if (boolean) return 'bool';
  return fractional ? 'float32' : 'int32';
}

/** Whether a TensorLike is weakly typed: a JavaScript number or a plain (not typed) array of them. */
function isWeak(x: TensorLike): x is number | readonly TensorData[] {
  return typeof x === 'number' || Array.isArray(x);
}

/**
 * Converts the operands of a binary op (or of where's two branches) and brings them to one
 * dtype. A tensor and a typed array are strongly typed; a number or plain array beside a tensor
 * (or a typed array) takes its weak dtype from it (weakDType), then both promote. With no
 * strongly typed operand, numbers are float32 and booleans bool.
 */
export function binaryOperands(op: string, a: TensorLike, b: TensorLike, arithmetic: boolean): [Tensor, Tensor] {
  let ta: Tensor;
  let tb: Tensor;
  if (isWeak(a) && !isWeak(b)) {
    tb = toTensor(op, b);
    ta = toTensor(op, a, weakDType(a, tb.dtype));
  } else if (isWeak(b) && !isWeak(a)) {
    ta = toTensor(op, a);
    tb = toTensor(op, b, weakDType(b, ta.dtype));
  } else {
    ta = toTensor(op, a);
    tb = toTensor(op, b);
  }
  return promoteCast(op, [ta, tb], arithmetic) as [Tensor, Tensor];
}
