import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkArg, checkOptions, describe, is } from '../options.js';
import { type Axis, normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toFloatTensor, toTensor } from './creation.js';
import { abs, add, div, exp, isFinite, log, neg, sqrt, square, sub, where } from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import * as p from './prims.js';

/**
 * Reductions. Each takes its axes in either of two forms, in the function and the method alike:
 * positional as TensorFlow.js has them, `sum(x, 1, true)` (axis: a number, a list, or
 * null/undefined for all axes; then keepDims), or an options object, `sum(x, { axis: 1,
 * keepDims: true })`. Negative axes count from the end. Reduced axes are dropped unless keepDims.
 */
export interface ReduceOptions {
  axis?: Axis | null;
  keepDims?: boolean;
}

/** The axis argument of a reduction: positional axes, or the options object. */
export type ReduceAxisArg = Axis | null | ReduceOptions;

const REDUCE_SCHEMA = { axis: is.either(is.axis, (v) => (v === null ? undefined : 'null')), keepDims: is.boolean };

function isOptionsObject(v: unknown): v is ReduceOptions {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a reduction's axis arguments in either form. The axis itself is checked by
 * normalizeAxes against the rank; keepDims must be a boolean; an options object with a
 * positional keepDims after it is ambiguous, so an error.
 */
function reduceArgs(op: string, axisOrOptions: unknown, keepDims: unknown): { axis: unknown; keepDims: boolean } {
  if (isOptionsObject(axisOrOptions)) {
    if (keepDims !== undefined) {
      throw new NablaError(`${op}: keepDims ${describe(keepDims)} given both in the options object and after it`);
    }
    const o = checkOptions(op, axisOrOptions, REDUCE_SCHEMA);
    return { axis: o.axis, keepDims: o.keepDims ?? false };
  }
  checkArg(op, 'keepDims', keepDims, is.boolean);
  return { axis: axisOrOptions, keepDims: (keepDims as boolean | undefined) ?? false };
}

/** reduceArgs with the axes checked against `rank` and normalized: what every reduction but norm reads. */
export function reduceAxes(op: string, rank: number, axisOrOptions: unknown, keepDims: unknown): { axes: number[]; keepDims: boolean } {
  const a = reduceArgs(op, axisOrOptions, keepDims);
  return { axes: normalizeAxes(op, a.axis, rank), keepDims: a.keepDims };
}

function finish(r: Tensor, x: Tensor, axes: number[], keepDims: boolean, label: string): Tensor {
  return keepDims
    ? r
    : p.reshape(
        r,
        x.shape.filter((_, i) => !axes.includes(i)),
        label,
      );
}

/** The primitive reduction, labelled with the op the user called; bools count as int32. */
function reduceBy(fn: 'sum' | 'max' | 'prod', label: string, t0: Tensor, axes: number[], keepDims: boolean): Tensor {
  const t = t0.dtype === 'bool' ? p.cast(t0, 'int32', label) : t0;
  if (axes.length === 0) return t;
  return finish(p.reduce(fn, t, axes, label), t, axes, keepDims, label);
}

function reducer(fn: 'sum' | 'max' | 'prod') {
  const f = (x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Tensor => {
    const t = toTensor(fn, x);
    const a = reduceAxes(fn, t.rank, axis, keepDims);
    return reduceBy(fn, fn, t, a.axes, a.keepDims);
  };
  return op(fn, f, 3);
}

export const sum = reducer('sum');
/** The largest value; over an empty axis it is an error (there is no value to return). */
export const max = reducer('max');
export const prod = reducer('prod');

export const min = op(
  'min',
  function min(x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Tensor {
    const t = toTensor('min', x);
    const a = reduceAxes('min', t.rank, axis, keepDims);
    const source = t.dtype === 'bool' ? p.cast(t, 'int32', 'min') : t;
    return reversed(reduceBy('max', 'min', reversed(source), a.axes, a.keepDims));
  },
  3,
);

/**
 * An order-reversing map that is its own inverse: min is reversed(max(reversed(x))). For floats
 * -x; for int32 -1 - x (bitwise not), since -x wraps at -2^31 and would put it last.
 */
function reversed(t: Tensor): Tensor {
  return t.dtype === 'int32' ? sub(-1, t) : neg(t);
}

function countOf(x: Tensor, axes: number[]): number {
  return axes.reduce((n, a) => n * x.shape[a], 1);
}

function meanOf(t: Tensor, axes: number[], keepDims: boolean, label: string): Tensor {
  return div(reduceBy('sum', label, t, axes, keepDims), countOf(t, axes));
}

/** Mean; integer tensors give float32. Over an empty axis it is NaN, as 0/0. */
export const mean = op(
  'mean',
  function mean(x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Tensor {
    const t = toFloatTensor('mean', x);
    const a = reduceAxes('mean', t.rank, axis, keepDims);
    return meanOf(t, a.axes, a.keepDims, 'mean');
  },
  3,
);

/** The population variance (divided by n), as TensorFlow.js's moments. */
export const variance = op(
  'variance',
  function variance(x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Tensor {
    const t = toFloatTensor('variance', x);
    const a = reduceAxes('variance', t.rank, axis, keepDims);
    const m = meanOf(t, a.axes, true, 'variance');
    return meanOf(square(sub(t, m)), a.axes, a.keepDims, 'variance');
  },
  3,
);

/** The orders norm accepts. */
export type NormOrd = 'euclidean' | 'fro' | number;

/**
 * Norms, as TensorFlow.js's norm. Over one axis, or over all values when axis is null or
 * undefined (a vector norm of the flattened tensor): ord 'euclidean' or 2, 1, Infinity or
 * -Infinity. Over two axes (a matrix norm): 'euclidean' or 'fro' (Frobenius), 1 (the largest
 * sum of |x| over axis[0]), Infinity (the largest over axis[1]), -Infinity (the smallest over
 * axis[1]). Other orders are an error, never another norm.
 */
export const norm = op(
  'norm',
  function norm(x: TensorLike, ord: NormOrd = 'euclidean', axis?: ReduceAxisArg, keepDims?: boolean): Tensor {
    const t0 = toTensor('norm', x);
    const t = t0.dtype === 'bool' ? p.cast(t0, 'int32', 'norm') : t0;
    const a = reduceArgs('norm', axis, keepDims);
    const given = a.axis;
    const twoAxes = Array.isArray(given) && given.length === 2;
    if (!twoAxes) {
      const axes = normalizeAxes('norm', given, t.rank);
      if (ord === 'euclidean' || ord === 2) return sqrt(reduceBy('sum', 'norm', square(t), axes, a.keepDims));
      if (ord === 1) return reduceBy('sum', 'norm', abs(t), axes, a.keepDims);
      if (ord === Number.POSITIVE_INFINITY) return reduceBy('max', 'norm', abs(t), axes, a.keepDims);
      if (ord === Number.NEGATIVE_INFINITY) return neg(reduceBy('max', 'norm', neg(abs(t)), axes, a.keepDims));
      throw new NablaError(`norm: ord ${describe(ord)} is not a vector norm; use 'euclidean', 1, 2, Infinity or -Infinity`);
    }
    // Matrix norms: the axes in the caller's order (axis[0] is summed for ord 1).
    const [r, c] = (given as number[]).map((v) => normalizeAxis('norm', v, t.rank));
    if (r === c) throw new NablaError(`norm: axis [${(given as number[]).join(',')}] repeats an axis`);
    const axes = [r, c].sort((u, v) => u - v);
    const keep = (m: Tensor) => finish(m, t, axes, a.keepDims, 'norm');
    if (ord === 'euclidean' || ord === 'fro') return keep(sqrt(reduceBy('sum', 'norm', square(t), axes, true)));
    const absT = abs(t);
    if (ord === 1) return keep(reduceBy('max', 'norm', reduceBy('sum', 'norm', absT, [r], true), [c], true));
    if (ord === Number.POSITIVE_INFINITY) return keep(reduceBy('max', 'norm', reduceBy('sum', 'norm', absT, [c], true), [r], true));
    if (ord === Number.NEGATIVE_INFINITY) {
      return keep(neg(reduceBy('max', 'norm', neg(reduceBy('sum', 'norm', absT, [c], true)), [r], true)));
    }
    throw new NablaError(
      `norm: ord ${describe(ord)} is not a matrix norm over axes ${fmtShape(given as number[])}; use 'euclidean', 'fro', 1, Infinity or -Infinity`,
    );
  },
  4,
);

/**
 * The max along axes (kept), as a constant for autodiff, and 0 where it is not finite: shifting
 * by it keeps exp() from overflowing, and an all -Infinity row stays -Infinity instead of NaN.
 * `label` is the op the user called, named in errors (an empty axis).
 */
export function stableShift(t: Tensor, axes: number[], label: string): Tensor {
  const m = stopGradient(reduceBy('max', label, t, axes, true));
  return where(isFinite(m), m, 0);
}

/**
 * log(sum(exp(x))), shifted by the max so it neither overflows nor underflows. Over an empty
 * axis it is an error, as max is.
 */
export const logSumExp = op(
  'logSumExp',
  function logSumExp(x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Tensor {
    const t = toFloatTensor('logSumExp', x);
    const a = reduceAxes('logSumExp', t.rank, axis, keepDims);
    const m = stableShift(t, a.axes, 'logSumExp');
    const out = add(log(reduceBy('sum', 'logSumExp', exp(sub(t, m)), a.axes, true)), m);
    return finish(out, t, a.axes, a.keepDims, 'logSumExp');
  },
  3,
);

function argReduce(op: 'argMax' | 'argMin', x: TensorLike, axis: number): Tensor {
  let t = toTensor(op, x);
  if (t.dtype === 'bool') t = p.cast(t, 'int32', op);
  const a = normalizeAxis(op, axis, t.rank);
  const source = op === 'argMax' ? t : reversed(t);
  return p.reshape(
    p.argMax(source, a, op),
    t.shape.filter((_, i) => i !== a),
    op,
  );
}

/**
 * Index (int32) of the largest value along an axis, the first on ties. The axis defaults to 0,
 * as in TensorFlow.js: `argMax(x)` of a matrix is one index per column, not a flat index.
 */
export const argMax = op(
  'argMax',
  function argMax(x: TensorLike, axis = 0): Tensor {
    return argReduce('argMax', x, axis);
  },
  2,
);
/** Index of the smallest value along an axis (0 by default, as argMax), the first on ties. */
export const argMin = op(
  'argMin',
  function argMin(x: TensorLike, axis = 0): Tensor {
    return argReduce('argMin', x, axis);
  },
  2,
);
