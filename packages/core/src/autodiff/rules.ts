import { isFloat } from '../dtype.js';
import { NablaError } from '../errors.js';
import { constant } from '../ops/creation.js';
import {
  add,
  cos,
  div,
  equal,
  exp,
  greater,
  greaterEqual,
  isNaN,
  lessEqual,
  log,
  logicalOr,
  mul,
  neg,
  sign,
  sin,
  square,
  sub,
  where,
} from '../ops/elementwise.js';
import * as p from '../ops/prims.js';
import type { BinaryOp, PrimitiveAttrs, PrimitiveOp, ReduceOp, UnaryOp } from '../primitives.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * The vector-Jacobian product of every primitive, written with ops so that backends never see a
 * gradient and higher-order gradients come for free. Each rule takes the cotangent g of the
 * output and returns one cotangent per operand (null where none flows: indices, conditions).
 */
type Rule<K extends PrimitiveOp> = (g: Tensor, x: Tensor[], y: Tensor, attrs: PrimitiveAttrs[K]) => (Tensor | null)[];

/** Sums a broadcast cotangent back to the operand's shape. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const r = axes.length > 0 ? p.reduce('sum', g, axes, 'grad') : g;
  return p.reshape(r, [...shape], 'grad');
}

const zeroOf = (t: Tensor) => constant(0, t.dtype);
/** The mask as g's dtype, for products with g. */
const mask = (m: Tensor, like: Tensor) => p.cast(m, like.dtype, 'grad');

/**
 * Markers for the functions with no derivative written, chosen per function as TensorFlow and
 * JAX do. `zeroGradient`: the derivative is zero wherever the function is defined (it is
 * piecewise constant: floor, sign), so no cotangent flows. `boolResult`: the result is bool,
 * which carries no gradient (comparisons, logical ops, isNaN, isFinite); backward follows float
 * values only, so it never asks for one, and if it did that would be a bug, reported as an error.
 */
export const zeroGradient = 'zero gradient' as const;
export const boolResult = 'bool result' as const;

/** g times the derivative of y = fn(x). */
type UnaryDerivative = (g: Tensor, x: Tensor, y: Tensor) => Tensor;
/** The cotangents of y = fn(a, b) in the broadcast shape (sumToShape follows); null where none flows. */
type BinaryDerivative = (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

/** Every unary function's rule: a missing one fails to compile. */
export const UNARY_RULES: Record<UnaryOp, UnaryDerivative | typeof zeroGradient | typeof boolResult> = {
  neg: (g) => neg(g),
  abs: (g, x) => mul(g, sign(x)),
  sign: zeroGradient,
  exp: (g, _x, y) => mul(g, y),
  log: (g, x) => div(g, x),
  log1p: (g, x) => div(g, add(x, 1)),
  sqrt: (g, _x, y) => div(g, mul(y, 2)),
  sin: (g, x) => mul(g, cos(x)),
  cos: (g, x) => neg(mul(g, sin(x))),
  tanh: (g, _x, y) => mul(g, sub(1, square(y))),
  sigmoid: (g, _x, y) => mul(g, mul(y, sub(1, y))),
  erf: (g, x) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))),
  floor: zeroGradient,
  logicalNot: boolResult,
  isNaN: boolResult,
  isFinite: boolResult,
};

/** Every binary function's rule: a missing one fails to compile. */
export const BINARY_RULES: Record<BinaryOp, BinaryDerivative | typeof boolResult> = {
  add: (g) => [g, g],
  sub: (g) => [g, neg(g)],
  // x * x (square): one 2gx rather than gx + gx; g * 2 first, which folds when g is a constant
  // (a mean's gradient).
  mul: (g, a, b) => (a === b ? [mul(mul(g, 2), a), null] : [mul(g, b), mul(g, a)]),
  div: (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))],
  pow: (g, a, b, y) => {
    // d/da = b a^(b-1); d/db = ln(a) a^b, taken as 0 where a <= 0 (TensorFlow's convention).
    const ga = mul(g, mul(b, p.binary('pow', a, sub(b, 1), 'grad')));
    const positive = greater(a, 0);
    const safeLog = log(where(positive, a, 1));
    return [ga, mul(g, where(positive, mul(safeLog, y), zeroOf(y)))];
  },
  // g goes to the operand the result came from: ties to the first, as in TensorFlow, and a NaN
  // result to the operand that is NaN (the first if both are). A select, as TensorFlow, PyTorch
  // and JAX do (TensorFlow.js multiplies by a 0/1 mask: the same for a finite g, one op more).
  maximum: (g, a, b) => selectGradient(g, logicalOr(greaterEqual(a, b), isNaN(a))),
  minimum: (g, a, b) => selectGradient(g, logicalOr(lessEqual(a, b), isNaN(a))),
  equal: boolResult,
  notEqual: boolResult,
  less: boolResult,
  lessEqual: boolResult,
  greater: boolResult,
  greaterEqual: boolResult,
  logicalAnd: boolResult,
  logicalOr: boolResult,
};

/** g to the first operand where `first` holds, to the second elsewhere. */
function selectGradient(g: Tensor, first: Tensor): [Tensor, Tensor] {
  const z = zeroOf(g);
  return [where(first, g, z), where(first, z, g)];
}

/** The table's entry for fn; a function the table lacks (a malformed node) is an error, never zero. */
function ruleOf<T>(table: Record<string, T>, family: 'unary' | 'binary' | 'reduce', fn: string): T {
  if (!Object.hasOwn(table, fn)) throw new NablaError(`grad: no gradient rule for ${family} function '${fn}'`);
  return table[fn];
}

const boolHasNoGradient = (family: string, fn: string) =>
  new NablaError(`grad: ${family} '${fn}' returns bool, which has no gradient; backward should not have asked for one`);

const unary: Rule<'unary'> = (g, [x], y, { fn }) => {
  const rule = ruleOf(UNARY_RULES, 'unary', fn);
  if (rule === zeroGradient) return [null];
  if (rule === boolResult) throw boolHasNoGradient('unary', fn);
  return [rule(g, x, y)];
};

const binary: Rule<'binary'> = (g, [a, b], y, { fn }) => {
  const rule = ruleOf(BINARY_RULES, 'binary', fn);
  if (rule === boolResult) throw boolHasNoGradient('binary', fn);
  const [ga, gb] = rule(g, a, b, y);
  return [ga && sumToShape(ga, a.shape), gb && sumToShape(gb, b.shape)];
};

const whereRule: Rule<'where'> = (g, [c, a, b]) => {
  const [ga, gb] = selectGradient(g, c);
  return [null, sumToShape(ga, a.shape), sumToShape(gb, b.shape)];
};

const cast: Rule<'cast'> = (g, [x]) => [isFloat(x.dtype) ? p.cast(g, x.dtype, 'grad') : null];

/** g (kept axes as size 1) times the derivative of y = fn(x) over `axes`, in x's shape. */
type ReduceDerivative = (g: Tensor, x: Tensor, y: Tensor, axes: number[]) => Tensor;

/** Every reduction's rule: a missing one fails to compile. */
export const REDUCE_RULES: Record<ReduceOp, ReduceDerivative> = {
  sum: (g, x) => p.expand(g, [...x.shape], 'grad'),
  max: (g, x, y, axes) => {
    // Split evenly between tied maxima, so the gradient sums to g; a NaN max between the NaNs
    // (PyTorch's rule: the gradient goes where the result came from).
    const full = [...x.shape];
    const hit = mask(logicalOr(equal(x, p.expand(y, full, 'grad')), isNaN(x)), g);
    const count = p.reduce('sum', hit, axes, 'grad');
    return mul(p.expand(div(g, count), full, 'grad'), hit);
  },
  prod: (g, x, _y, axes) => {
    // d prod / d x_i is the product of the others, also when some x_j are zero.
    const full = [...x.shape];
    const isZero = equal(x, 0);
    const nonZero = where(isZero, constant(1, x.dtype), x);
    const prodNonZero = p.expand(p.reduce('prod', nonZero, axes, 'grad'), full, 'grad');
    const zeros = p.expand(p.reduce('sum', mask(isZero, x), axes, 'grad'), full, 'grad');
    const atZero = mul(prodNonZero, mask(equal(zeros, 1), x));
    const elsewhere = mul(div(prodNonZero, nonZero), mask(equal(zeros, 0), x));
    return mul(p.expand(g, full, 'grad'), where(isZero, atZero, elsewhere));
  },
};

const reduce: Rule<'reduce'> = (g, [x], y, { fn, axes }) => [ruleOf(REDUCE_RULES, 'reduce', fn)(g, x, y, axes)];

/** A product op(x) op(y), where op transposes the last two axes when its flag is set. */
export interface Factor {
  x: Tensor;
  y: Tensor;
  tx: boolean;
  ty: boolean;
}

/**
 * For C = op(A) op(B): dop(A) = g op(B)^T and dop(B) = op(A)^T g, then undo the transposes.
 * Each case is one matmul with flags, so no transpose is materialized. Backward takes the
 * products themselves, to sum those of a weight used many times as one (cotangents.ts).
 */
export function matmulFactors(g: Tensor, [a, b]: Tensor[], { transposeA: tA, transposeB: tB }: PrimitiveAttrs['matmul']): [Factor, Factor] {
  const f = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Factor => ({ x, y, tx, ty });
  if (!tA && !tB) return [f(g, b, false, true), f(a, g, true, false)];
  if (!tA && tB) return [f(g, b, false, false), f(g, a, true, false)];
  if (tA && !tB) return [f(b, g, false, true), f(a, g, false, false)];
  return [f(b, g, true, true), f(g, a, true, true)];
}

const matmul: Rule<'matmul'> = (g, xs, _y, attrs) => matmulFactors(g, xs, attrs).map(({ x, y, tx, ty }) => p.matmul3(x, y, tx, ty, 'grad'));

const movement = {
  reshape: ((g, [x]) => [p.reshape(g, [...x.shape], 'grad')]) as Rule<'reshape'>,
  transpose: ((g, _x, _y, { perm }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((axis, i) => {
      inverse[axis] = i;
    });
    return [p.transpose(g, inverse, 'grad')];
  }) as Rule<'transpose'>,
  expand: ((g, [x]) => [sumToShape(g, x.shape)]) as Rule<'expand'>,
  slice: ((g, [x], _y, { begin, size }) => [
    p.pad(
      g,
      x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]),
      0,
      'grad',
    ),
  ]) as Rule<'slice'>,
  pad: ((g, [x], _y, { pads }) => [
    p.slice(
      g,
      pads.map(([before]) => before),
      [...x.shape],
      'grad',
    ),
  ]) as Rule<'pad'>,
  concat: ((g, xs, _y, { axis }) => {
    let offset = 0;
    return xs.map((x) => {
      const begin = x.shape.map((_, i) => (i === axis ? offset : 0));
      offset += x.shape[axis];
      return p.slice(g, begin, [...x.shape], 'grad');
    });
  }) as Rule<'concat'>,
  // The adjoint reads the same indices: it checks them as the forward op does, in the user's terms.
  gather: ((g, [x, indices], _y, { axis, check }) => [p.scatterAdd(g, indices, axis, [...x.shape], 'grad', check), null]) as Rule<'gather'>,
  scatterAdd: ((g, [, indices], _y, { axis, check }) => [p.gather(g, indices, axis, 'grad', check), null]) as Rule<'scatterAdd'>,
};

/**
 * A rule backward never calls, for a primitive with no float operand (random reads an int32
 * counter) or no float result (argMax): backward follows float values only. Calling it is a
 * bug, reported rather than taken as zero.
 */
const unreachable =
  (op: PrimitiveOp, why: string): Rule<PrimitiveOp> =>
  () => {
    throw new NablaError(`grad: ${op} has no gradient (${why}); backward should not have asked for one`);
  };

export const RULES: { [K in PrimitiveOp]: Rule<K> } = {
  unary,
  binary,
  where: whereRule,
  cast,
  reduce,
  argMax: unreachable('argMax', 'its result is int32'),
  matmul,
  ...movement,
  random: unreachable('random', 'its one operand is an int32 counter'),
};

export function ruleFor(op: PrimitiveOp): Rule<PrimitiveOp> {
  if (!Object.hasOwn(RULES, op)) throw new NablaError(`grad: no gradient rule for primitive '${op}'`);
  return RULES[op] as Rule<PrimitiveOp>;
}
