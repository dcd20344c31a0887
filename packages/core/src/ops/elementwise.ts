import { type DType, isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import type { BinaryOp } from '../primitives.js';
import { Tensor } from '../tensor.js';
import { constant, type TensorLike, toFloatTensor, toTensor } from './creation.js';
import * as p from './prims.js';
import { promoteCast } from './promote.js';

/**
 * Elementwise math. Binary ops broadcast numpy-style; a number operand takes the tensor
 * operand's dtype; tensors of different dtypes meet at the wider one (bool < int32 < float32 <
 * float64). Composite activations are written to stay finite in value and gradient.
 */

function operands(op: string, a: TensorLike, b: TensorLike, arithmetic: boolean): [Tensor, Tensor] {
  // A number takes the other operand's dtype before promotion.
  const ta = toTensor(op, a, b instanceof Tensor ? b.dtype : undefined);
  const tb = toTensor(op, b, ta.dtype);
  return promoteCast(op, [ta, tb], arithmetic) as [Tensor, Tensor];
}

function arith(fn: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...operands(fn, a, b, true), fn);
}
function compare(fn: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...operands(fn, a, b, false), fn);
}

export const add = op(arith('add'));
export const sub = op(arith('sub'));
export const mul = op(arith('mul'));
export const maximum = op(arith('maximum'));
export const minimum = op(arith('minimum'));
export const equal = op(compare('equal'));
export const notEqual = op(compare('notEqual'));
export const less = op(compare('less'));
export const lessEqual = op(compare('lessEqual'));
export const greater = op(compare('greater'));
export const greaterEqual = op(compare('greaterEqual'));

/** True division: integer operands give float32. */
export const div = op(function div(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands('div', a, b, true);
  if (isFloat(ta.dtype)) return p.binary('div', ta, tb);
  return p.binary('div', p.cast(ta, 'float32', 'div'), p.cast(tb, 'float32', 'div'), 'div');
});

export const pow = op(function pow(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('pow', ...operands('pow', a, b, true), 'pow');
});

export const logicalAnd = op(function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('logicalAnd', toTensor('logicalAnd', a, 'bool'), toTensor('logicalAnd', b, 'bool'));
});
export const logicalOr = op(function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return p.binary('logicalOr', toTensor('logicalOr', a, 'bool'), toTensor('logicalOr', b, 'bool'));
});
export const logicalNot = op(function logicalNot(x: TensorLike): Tensor {
  return p.unary('logicalNot', toTensor('logicalNot', x));
});

export const neg = op((x: TensorLike) => p.unary('neg', toTensor('neg', x)));
export const abs = op((x: TensorLike) => p.unary('abs', toTensor('abs', x)));
export const sign = op((x: TensorLike) => p.unary('sign', toTensor('sign', x)));
export const floor = op((x: TensorLike) => p.unary('floor', toTensor('floor', x)));
export const exp = op((x: TensorLike) => p.unary('exp', toFloatTensor('exp', x)));
export const log = op((x: TensorLike) => p.unary('log', toFloatTensor('log', x)));
export const log1p = op((x: TensorLike) => p.unary('log1p', toFloatTensor('log1p', x)));
export const sqrt = op((x: TensorLike) => p.unary('sqrt', toFloatTensor('sqrt', x)));
export const sin = op((x: TensorLike) => p.unary('sin', toFloatTensor('sin', x)));
export const cos = op((x: TensorLike) => p.unary('cos', toFloatTensor('cos', x)));
export const tanh = op((x: TensorLike) => p.unary('tanh', toFloatTensor('tanh', x)));
export const erf = op((x: TensorLike) => p.unary('erf', toFloatTensor('erf', x)));
export const isNaN = op((x: TensorLike) => p.unary('isNaN', toFloatTensor('isNaN', x)));
export const isFinite = op((x: TensorLike) => p.unary('isFinite', toFloatTensor('isFinite', x)));

export const square = op((x: TensorLike) => {
  const t = toTensor('square', x);
  return mul(t, t);
});
export const reciprocal = op((x: TensorLike) => {
  const t = toFloatTensor('reciprocal', x);
  return div(constant(1, t.dtype), t);
});
export const rsqrt = op((x: TensorLike) => reciprocal(sqrt(x)));

/** Selects a where cond is true, else b; all three broadcast. */
export const where = op(function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor('where', cond, 'bool');
  const [ta, tb] = operands('where', a, b, false);
  return p.where(c, ta, tb);
});

export const cast = op(function cast(x: TensorLike, dtype: DType): Tensor {
  return p.cast(toTensor('cast', x), dtype);
});

/** Clamps into [min, max]; the gradient passes where min <= x <= max. */
export const clip = op(function clip(x: TensorLike, min: number, max: number): Tensor {
  return minimum(maximum(x, min), max);
});

// Activations. `where` is used with both branches finite everywhere, so no NaN leaks into the
// gradient of the branch not taken.

export const relu = op(function relu(x: TensorLike): Tensor {
  const t = toFloatTensor('relu', x);
  // +0 at and below zero (-0 included), NaN stays NaN (NaN <= 0 is false), and the gradient
  // at 0 is 0: one comparison and one select, forward, and one select backward.
  return where(lessEqual(t, 0), 0, t);
});

export const relu6 = op(function relu6(x: TensorLike): Tensor {
  return minimum(relu(x), 6);
});

/** max(x, alpha*x) for x < 0; alpha defaults to 0.2 as in TensorFlow.js. */
export const leakyRelu = op(function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  const t = toFloatTensor('leakyRelu', x);
  return where(greater(t, 0), t, mul(t, alpha));
});

export const elu = op(function elu(x: TensorLike, alpha = 1): Tensor {
  const t = toFloatTensor('elu', x);
  const negative = mul(sub(exp(minimum(t, 0)), 1), alpha);
  return where(greater(t, 0), t, negative);
});

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
export const selu = op(function selu(x: TensorLike): Tensor {
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
});

/**
 * |x| written as a where on x >= 0, so that at 0 its gradient is that of the x >= 0 branch:
 * sigmoid and softplus then get their true derivatives at 0 (abs's would be 0 there).
 */
function absFromPositiveSide(t: Tensor): Tensor {
  return where(greaterEqual(t, 0), t, neg(t));
}

/** 1 / (1 + e^-x), from e^-|x| so that neither branch overflows. */
export const sigmoid = op(function sigmoid(x: TensorLike): Tensor {
  const t = toFloatTensor('sigmoid', x);
  const e = exp(neg(absFromPositiveSide(t)));
  const denom = add(e, 1);
  return where(greaterEqual(t, 0), reciprocal(denom), div(e, denom));
});

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for every x. */
export const softplus = op(function softplus(x: TensorLike): Tensor {
  const t = toFloatTensor('softplus', x);
  const positive = greaterEqual(t, 0);
  return add(where(positive, t, mul(t, 0)), log1p(exp(neg(absFromPositiveSide(t)))));
});

export const swish = op(function swish(x: TensorLike): Tensor {
  const t = toFloatTensor('swish', x);
  return mul(t, sigmoid(t));
});

/** x * Phi(x), exact (erf) by default; `approximate` uses the tanh form. */
export const gelu = op(function gelu(x: TensorLike, approximate = false): Tensor {
  const t = toFloatTensor('gelu', x);
  if (approximate) {
    const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(t, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
});
