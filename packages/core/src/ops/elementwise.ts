import { type DType, isFloat, promote } from '../dtype.js';
import type { BinaryOp } from '../primitives.js';
import { Tensor } from '../tensor.js';
import { constant, type TensorLike, toTensor } from './creation.js';
import * as p from './prims.js';

/**
 * Elementwise math. Binary ops broadcast numpy-style; a number operand takes the tensor
 * operand's dtype; tensors of different dtypes meet at the wider one (bool < int32 < float32 <
 * float64). Composite activations are written to stay finite in value and gradient.
 */

function operands(op: string, a: TensorLike, b: TensorLike, arithmetic: boolean): [Tensor, Tensor] {
  const db = b instanceof Tensor ? b.dtype : undefined;
  let ta = toTensor(op, a, db);
  let tb = toTensor(op, b, ta.dtype);
  let dt = promote(ta.dtype, tb.dtype);
  if (arithmetic && dt === 'bool') dt = 'int32';
  ta = p.cast(ta, dt, op);
  tb = p.cast(tb, dt, op);
  return [ta, tb];
}

function arith(fn: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...operands(fn, a, b, true), fn);
}
function compare(fn: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...operands(fn, a, b, false), fn);
}

export const add = arith('add');
export const sub = arith('sub');
export const mul = arith('mul');
export const maximum = arith('maximum');
export const minimum = arith('minimum');
export const equal = compare('equal');
export const notEqual = compare('notEqual');
export const less = compare('less');
export const lessEqual = compare('lessEqual');
export const greater = compare('greater');
export const greaterEqual = compare('greaterEqual');

/** True division: integer operands give float32. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands('div', a, b, true);
  if (isFloat(ta.dtype)) return p.binary('div', ta, tb);
  return p.binary('div', p.cast(ta, 'float32', 'div'), p.cast(tb, 'float32', 'div'), 'div');
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('pow', ...operands('pow', a, b, true), 'pow');
}

export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('logicalAnd', toTensor('logicalAnd', a, 'bool'), toTensor('logicalAnd', b, 'bool'));
}
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('logicalOr', toTensor('logicalOr', a, 'bool'), toTensor('logicalOr', b, 'bool'));
}
export function logicalNot(x: TensorLike): Tensor {
  return p.unary('logicalNot', toTensor('logicalNot', x));
}

/** Ints and bools become float32 for transcendental functions, as in TensorFlow.js. */
function floating(op: string, x: TensorLike): Tensor {
  const t = toTensor(op, x);
  return isFloat(t.dtype) ? t : p.cast(t, 'float32', op);
}

export const neg = (x: TensorLike) => p.unary('neg', toTensor('neg', x));
export const abs = (x: TensorLike) => p.unary('abs', toTensor('abs', x));
export const sign = (x: TensorLike) => p.unary('sign', toTensor('sign', x));
export const floor = (x: TensorLike) => p.unary('floor', toTensor('floor', x));
export const exp = (x: TensorLike) => p.unary('exp', floating('exp', x));
export const log = (x: TensorLike) => p.unary('log', floating('log', x));
export const log1p = (x: TensorLike) => p.unary('log1p', floating('log1p', x));
export const sqrt = (x: TensorLike) => p.unary('sqrt', floating('sqrt', x));
export const sin = (x: TensorLike) => p.unary('sin', floating('sin', x));
export const cos = (x: TensorLike) => p.unary('cos', floating('cos', x));
export const tanh = (x: TensorLike) => p.unary('tanh', floating('tanh', x));
export const erf = (x: TensorLike) => p.unary('erf', floating('erf', x));
export const isNaN = (x: TensorLike) => p.unary('isNaN', floating('isNaN', x));
export const isFinite = (x: TensorLike) => p.unary('isFinite', floating('isFinite', x));

export const square = (x: TensorLike) => {
  const t = toTensor('square', x);
  return mul(t, t);
};
export const reciprocal = (x: TensorLike) => {
  const t = floating('reciprocal', x);
  return div(constant(1, t.dtype), t);
};
export const rsqrt = (x: TensorLike) => reciprocal(sqrt(x));

/** Selects a where cond is true, else b; all three broadcast. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor('where', cond, 'bool');
  const [ta, tb] = operands('where', a, b, false);
  return p.where(c, ta, tb);
}

export function cast(x: TensorLike, dtype: DType): Tensor {
  return p.cast(toTensor('cast', x), dtype);
}

/** Clamps into [min, max]; the gradient passes where min <= x <= max. */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  return minimum(maximum(x, min), max);
}

// Activations. `where` is used with both branches finite everywhere, so no NaN leaks into the
// gradient of the branch not taken.

export function relu(x: TensorLike): Tensor {
  const t = floating('relu', x);
  return where(greater(t, 0), t, mul(t, 0));
}

export function relu6(x: TensorLike): Tensor {
  return minimum(relu(x), 6);
}

/** max(x, alpha*x) for x < 0; alpha defaults to 0.2 as in TensorFlow.js. */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  const t = floating('leakyRelu', x);
  return where(greater(t, 0), t, mul(t, alpha));
}

export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = floating('elu', x);
  const negative = mul(sub(exp(minimum(t, 0)), 1), alpha);
  return where(greater(t, 0), t, negative);
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
export function selu(x: TensorLike): Tensor {
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
}

/** 1 / (1 + e^-x), from e^-|x| so that neither branch overflows. */
export function sigmoid(x: TensorLike): Tensor {
  const t = floating('sigmoid', x);
  const e = exp(neg(abs(t)));
  const denom = add(e, 1);
  return where(greaterEqual(t, 0), reciprocal(denom), div(e, denom));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for every x. */
export function softplus(x: TensorLike): Tensor {
  const t = floating('softplus', x);
  return add(relu(t), log1p(exp(neg(abs(t)))));
}

export function swish(x: TensorLike): Tensor {
  const t = floating('swish', x);
  return mul(t, sigmoid(t));
}

/** x * Phi(x), exact (erf) by default; `approximate` uses the tanh form. */
export function gelu(x: TensorLike, approximate = false): Tensor {
  const t = floating('gelu', x);
  if (approximate) {
    const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(t, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
}
