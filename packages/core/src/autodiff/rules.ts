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
  less,
  lessEqual,
  log,
  mul,
  neg,
  sign,
  sin,
  square,
  sub,
  where,
} from '../ops/elementwise.js';
import * as p from '../ops/prims.js';
import type { PrimitiveAttrs, PrimitiveOp } from '../primitives.js';
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

const unary: Rule<'unary'> = (g, [x], y, { fn }) => {
  switch (fn) {
    case 'neg':
      return [neg(g)];
    case 'abs':
      return [mul(g, sign(x))];
    case 'exp':
      return [mul(g, y)];
    case 'log':
      return [div(g, x)];
    case 'log1p':
      return [div(g, add(x, 1))];
    case 'sqrt':
      return [div(g, mul(y, 2))];
    case 'sin':
      return [mul(g, cos(x))];
    case 'cos':
      return [neg(mul(g, sin(x)))];
    case 'tanh':
      return [mul(g, sub(1, square(y)))];
    case 'erf':
      return [mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))];
    case 'sign':
    case 'floor':
      return [mul(g, 0)];
    default:
      return [null];
  }
};

const binary: Rule<'binary'> = (g, [a, b], y, { fn }) => {
  const both = (ga: Tensor, gb: Tensor) => [sumToShape(ga, a.shape), sumToShape(gb, b.shape)];
  switch (fn) {
    case 'add':
      return both(g, g);
    case 'sub':
      return both(g, neg(g));
    case 'mul':
      // x * x (square): one 2gx rather than gx + gx; g * 2 first, which folds when g is a
      // constant (a mean's gradient).
      if (a === b) return [sumToShape(mul(mul(g, 2), a), a.shape), null];
      return both(mul(g, b), mul(g, a));
    case 'div':
      return both(div(g, b), neg(div(mul(g, a), square(b))));
    case 'pow': {
      // d/da = b a^(b-1); d/db = ln(a) a^b, taken as 0 where a <= 0 (TensorFlow's convention).
      const ga = mul(g, mul(b, p.binary('pow', a, sub(b, 1), 'grad')));
      const positive = greater(a, 0);
      const safeLog = log(where(positive, a, 1));
      const gb = mul(g, where(positive, mul(safeLog, y), zeroOf(y)));
      return both(ga, gb);
    }
    // Ties go to the first operand, as in TensorFlow. A select, as TensorFlow, PyTorch and JAX
    // do (TensorFlow.js multiplies by a 0/1 mask: the same for a finite g, and one op more).
    case 'maximum':
      return both(where(greaterEqual(a, b), g, zeroOf(g)), where(less(a, b), g, zeroOf(g)));
    case 'minimum':
      return both(where(lessEqual(a, b), g, zeroOf(g)), where(greater(a, b), g, zeroOf(g)));
    default:
      return [null, null];
  }
};

const whereRule: Rule<'where'> = (g, [c, a, b]) => {
  const z = zeroOf(g);
  return [null, sumToShape(where(c, g, z), a.shape), sumToShape(where(c, z, g), b.shape)];
};

const cast: Rule<'cast'> = (g, [x]) => [isFloat(x.dtype) ? p.cast(g, x.dtype, 'grad') : null];

const reduce: Rule<'reduce'> = (g, [x], y, { fn, axes }) => {
  const full = [...x.shape];
  switch (fn) {
    case 'sum':
      return [p.expand(g, full, 'grad')];
    case 'max': {
      // Split evenly between tied maxima, so the gradient sums to g.
      const hit = mask(equal(x, p.expand(y, full, 'grad')), g);
      const count = p.reduce('sum', hit, axes, 'grad');
      return [mul(p.expand(div(g, count), full, 'grad'), hit)];
    }
    case 'prod': {
      // d prod / d x_i is the product of the others, also when some x_j are zero.
      const isZero = equal(x, 0);
      const nonZero = where(isZero, constant(1, x.dtype), x);
      const prodNonZero = p.expand(p.reduce('prod', nonZero, axes, 'grad'), full, 'grad');
      const zeros = p.expand(p.reduce('sum', mask(isZero, x), axes, 'grad'), full, 'grad');
      const atZero = mul(prodNonZero, mask(equal(zeros, 1), x));
      const elsewhere = mul(div(prodNonZero, nonZero), mask(equal(zeros, 0), x));
      return [mul(p.expand(g, full, 'grad'), where(isZero, atZero, elsewhere))];
    }
  }
};

/**
 * For C = op(A) op(B): dop(A) = g op(B)^T and dop(B) = op(A)^T g, then undo the transposes.
 * Each case is one matmul with flags, so no transpose is materialized.
 */
const matmul: Rule<'matmul'> = (g, [a, b], _y, { transposeA: tA, transposeB: tB }) => {
  const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => p.matmul3(x, y, tx, ty, 'grad');
  if (!tA && !tB) return [mm(g, b, false, true), mm(a, g, true, false)];
  if (!tA && tB) return [mm(g, b, false, false), mm(g, a, true, false)];
  if (tA && !tB) return [mm(b, g, false, true), mm(a, g, false, false)];
  return [mm(b, g, true, true), mm(g, a, true, true)];
};

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
  gather: ((g, [x, indices], _y, { axis }) => [p.scatterAdd(g, indices, axis, [...x.shape], 'grad'), null]) as Rule<'gather'>,
  scatterAdd: ((g, [, indices], _y, { axis }) => [p.gather(g, indices, axis, 'grad'), null]) as Rule<'scatterAdd'>,
};

const none = () => [];

export const RULES: { [K in PrimitiveOp]: Rule<K> } = {
  unary,
  binary,
  where: whereRule,
  cast,
  reduce,
  argMax: (_g, xs) => xs.map(() => null),
  matmul,
  ...movement,
  random: none,
};

export function ruleFor(op: PrimitiveOp): Rule<PrimitiveOp> {
  const rule = RULES[op] as Rule<PrimitiveOp> | undefined;
  if (!rule) throw new NablaError(`grad: no gradient rule for primitive '${op}'`);
  return rule;
}
