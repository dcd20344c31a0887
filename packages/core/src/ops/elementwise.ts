import { assertDType, type DType, isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import { NablaError } from '../errors.js';
import { checkArg, is } from '../options.js';
import type { BinaryOp, UnaryOp } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { constant, type TensorLike, toFloatTensor, toTensor } from './creation.js';
import * as p from './prims.js';
import { binaryOperands } from './promote.js';

/**
 * Elementwise math. Binary ops broadcast numpy-style; a JavaScript number (or plain array)
 * operand is weakly typed, as in JAX: it takes the tensor operand's dtype when its values are
 * representable there, else float32 (`int.mul(0.5)` is float32; see weakDType in promote.ts).
 * Tensors of different dtypes meet at the wider one (bool < int32 < float32 < float64).
 * Composite activations are written to stay finite in value and gradient.
 */

function arith(fn: BinaryOp) {
  return op(fn, (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...binaryOperands(fn, a, b, true), fn), 2);
}
function compare(fn: BinaryOp) {
  return op(fn, (a: TensorLike, b: TensorLike): Tensor => p.binary(fn, ...binaryOperands(fn, a, b, false), fn), 2);
}
/** A unary op; `float` ops compute int and bool inputs in float32. */
function unaryOp(fn: UnaryOp, float = false) {
  return op(fn, (x: TensorLike): Tensor => p.unary(fn, float ? toFloatTensor(fn, x) : toTensor(fn, x)), 1);
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
export const div = op(
  'div',
  function div(a: TensorLike, b: TensorLike): Tensor {
    const [ta, tb] = binaryOperands('div', a, b, true);
    if (isFloat(ta.dtype)) return p.binary('div', ta, tb);
    return p.binary('div', p.cast(ta, 'float32', 'div'), p.cast(tb, 'float32', 'div'), 'div');
  },
  2,
);

/**
 * a ** b. An integer base with a negative number exponent computes in float32 (2 ** -1 is 0.5,
 * not 0), as TensorFlow.js answers.
 */
export const pow = op(
  'pow',
  function pow(a: TensorLike, b: TensorLike): Tensor {
    let [ta, tb] = binaryOperands('pow', a, b, true);
    if (typeof b === 'number' && b < 0 && !isFloat(ta.dtype)) {
      ta = p.cast(ta, 'float32', 'pow');
      tb = p.cast(tb, 'float32', 'pow');
    }
    return p.binary('pow', ta, tb, 'pow');
  },
  2,
);

export const logicalAnd = op(
  'logicalAnd',
  function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
    return p.binary('logicalAnd', toTensor('logicalAnd', a, 'bool'), toTensor('logicalAnd', b, 'bool'));
  },
  2,
);
export const logicalOr = op(
  'logicalOr',
  function logicalOr(a: TensorLike, b: TensorLike): Tensor {
    return p.binary('logicalOr', toTensor('logicalOr', a, 'bool'), toTensor('logicalOr', b, 'bool'));
  },
  2,
);
export const logicalNot = op(
  'logicalNot',
  function logicalNot(x: TensorLike): Tensor {
    return p.unary('logicalNot', toTensor('logicalNot', x));
  },
  1,
);

export const neg = unaryOp('neg');
export const abs = unaryOp('abs');
export const sign = unaryOp('sign');
export const floor = unaryOp('floor');
export const exp = unaryOp('exp', true);
export const log = unaryOp('log', true);
export const log1p = unaryOp('log1p', true);
export const sqrt = unaryOp('sqrt', true);
export const sin = unaryOp('sin', true);
export const cos = unaryOp('cos', true);
export const tanh = unaryOp('tanh', true);
export const erf = unaryOp('erf', true);
export const isNaN = unaryOp('isNaN', true);
export const isFinite = unaryOp('isFinite', true);

export const square = op(
  'square',
  function square(x: TensorLike): Tensor {
    const t = toTensor('square', x);
    return mul(t, t);
  },
  1,
);
export const reciprocal = op(
  'reciprocal',
  function reciprocal(x: TensorLike): Tensor {
    const t = toFloatTensor('reciprocal', x);
    return div(constant(1, t.dtype), t);
  },
  1,
);
export const rsqrt = op(
  'rsqrt',
  function rsqrt(x: TensorLike): Tensor {
    return reciprocal(sqrt(toFloatTensor('rsqrt', x)));
  },
  1,
);

/** Selects a where cond is true, else b; all three broadcast; a and b promote as binary ops do. */
export const where = op(
  'where',
  function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
    const c = toTensor('where', cond, 'bool');
    const [ta, tb] = binaryOperands('where', a, b, false);
    return p.where(c, ta, tb);
  },
  3,
);

export const cast = op(
  'cast',
  function cast(x: TensorLike, dtype: DType): Tensor {
    return p.cast(toTensor('cast', x), assertDType('cast', dtype));
  },
  2,
);

/**
 * Clamps into [min, max]; the gradient passes where min <= x <= max. The bounds are weakly
 * typed numbers: fractional bounds on an int32 tensor give float32.
 */
export const clip = op(
  'clip',
  function clip(x: TensorLike, min: number, max: number): Tensor {
    checkArg('clip', 'min', min, is.number, false);
    checkArg('clip', 'max', max, is.number, false);
    if (min > max) throw new NablaError(`clip: min (${min}) must be less than or equal to max (${max})`);
    return minimum(maximum(toTensor('clip', x), min), max);
  },
  3,
);

// Activations. `where` is used with both branches finite everywhere, so no NaN leaks into the
// gradient of the branch not taken.

export const relu = op(
  'relu',
  function relu(x: TensorLike): Tensor {
    const t = toFloatTensor('relu', x);
    // +0 at and below zero (-0 included), NaN stays NaN (NaN <= 0 is false), and the gradient
    // at 0 is 0: one comparison and one select, forward, and one select backward.
    return where(lessEqual(t, 0), 0, t);
  },
  1,
);

export const relu6 = op(
  'relu6',
  function relu6(x: TensorLike): Tensor {
    return minimum(relu(toFloatTensor('relu6', x)), 6);
  },
  1,
);

/** max(x, alpha*x) for x < 0; alpha defaults to 0.2 as in TensorFlow.js. */
export const leakyRelu = op(
  'leakyRelu',
  function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
    checkArg('leakyRelu', 'alpha', alpha, is.finite);
    const t = toFloatTensor('leakyRelu', x);
    return where(greater(t, 0), t, mul(t, alpha));
  },
  2,
);

export const elu = op(
  'elu',
  function elu(x: TensorLike, alpha = 1): Tensor {
    checkArg('elu', 'alpha', alpha, is.finite);
    const t = toFloatTensor('elu', x);
    const negative = mul(sub(exp(minimum(t, 0)), 1), alpha);
    return where(greater(t, 0), t, negative);
  },
  2,
);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
export const selu = op(
  'selu',
  function selu(x: TensorLike): Tensor {
    return mul(elu(toFloatTensor('selu', x), SELU_ALPHA), SELU_SCALE);
  },
  1,
);

/**
 * |x| written as a where on x >= 0, so that at 0 its gradient is that of the x >= 0 branch:
 * softplus then gets its true derivative at 0 (abs's would be 0 there).
 */
function absFromPositiveSide(t: Tensor): Tensor {
  return where(greaterEqual(t, 0), t, neg(t));
}

/**
 * 1 / (1 + e^-x), a primitive (see docs/architecture.md): composed stably from e^-|x| it was 9
 * ops with a gradient of many more; the primitive is one, and three for its gradient
 * (g y (1 - y)). An LSTM training step went from 110 to 44 ops per time step.
 */
export const sigmoid = unaryOp('sigmoid', true);

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for every x. */
export const softplus = op(
  'softplus',
  function softplus(x: TensorLike): Tensor {
    const t = toFloatTensor('softplus', x);
    const positive = greaterEqual(t, 0);
    return add(where(positive, t, mul(t, 0)), log1p(exp(neg(absFromPositiveSide(t)))));
  },
  1,
);

export const swish = op(
  'swish',
  function swish(x: TensorLike): Tensor {
    const t = toFloatTensor('swish', x);
    return mul(t, sigmoid(t));
  },
  1,
);

/** x * Phi(x), exact (erf) by default; `approximate` uses the tanh form. */
export const gelu = op(
  'gelu',
  function gelu(x: TensorLike, approximate = false): Tensor {
    checkArg('gelu', 'approximate', approximate, is.boolean);
    const t = toFloatTensor('gelu', x);
    if (approximate) {
      const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(t, 0.5), add(tanh(inner), 1));
    }
    return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
  },
  2,
);
