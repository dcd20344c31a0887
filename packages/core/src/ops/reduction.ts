import { op } from '../engine/op.js';
import { NablaError } from '../errors.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toFloatTensor, toTensor } from './creation.js';
import { abs, add, div, exp, isFinite, log, neg, sqrt, square, sub, where } from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import * as p from './prims.js';

/**
 * Reductions. `axis` is a number, a list, or undefined for all axes; negative axes count from
 * the end. Reduced axes are dropped unless keepDims.
 */
export interface ReduceOptions {
  axis?: number | number[];
  keepDims?: boolean;
}

function finish(r: Tensor, x: Tensor, axes: number[], keepDims: boolean | undefined, label: string): Tensor {
  return keepDims
    ? r
    : p.reshape(
        r,
        x.shape.filter((_, i) => !axes.includes(i)),
        label,
      );
}

function reducer(fn: 'sum' | 'max' | 'prod') {
  return (x: TensorLike, opts: ReduceOptions = {}): Tensor => {
    const t0 = toTensor(fn, x);
    const t = t0.dtype === 'bool' ? p.cast(t0, 'int32', fn) : t0;
    const axes = normalizeAxes(fn, opts.axis, t.rank);
    if (axes.length === 0) return t;
    return finish(p.reduce(fn, t, axes, fn), t, axes, opts.keepDims, fn);
  };
}

export const sum = op(reducer('sum'));
export const max = op(reducer('max'));
export const prod = op(reducer('prod'));

export const min = op(function min(x: TensorLike, opts: ReduceOptions = {}): Tensor {
  return neg(max(neg(toTensor('min', x)), opts));
});

function countOf(x: Tensor, axes: number[]): number {
  return axes.reduce((n, a) => n * x.shape[a], 1);
}

/** Mean; integer tensors give float32. Over an empty axis it is NaN, as 0/0. */
export const mean = op(function mean(x: TensorLike, opts: ReduceOptions = {}): Tensor {
  const t = toFloatTensor('mean', x);
  const axes = normalizeAxes('mean', opts.axis, t.rank);
  return div(sum(t, opts), countOf(t, axes));
});

export const variance = op(function variance(x: TensorLike, opts: ReduceOptions = {}): Tensor {
  const t = toFloatTensor('variance', x);
  const m = mean(t, { axis: opts.axis, keepDims: true });
  return mean(square(sub(t, m)), opts);
});

/** Vector norms: 'euclidean' (2), 1, or Infinity. */
export const norm = op(function norm(x: TensorLike, ord: 'euclidean' | 1 | 2 | number = 'euclidean', opts: ReduceOptions = {}): Tensor {
  const t = toTensor('norm', x);
  if (ord === 'euclidean' || ord === 2) return sqrt(sum(square(t), opts));
  if (ord === 1) return sum(abs(t), opts);
  if (ord === Number.POSITIVE_INFINITY) return max(abs(t), opts);
  throw new NablaError(`norm: unsupported ord ${ord}; use 'euclidean', 1, 2 or Infinity`);
});

/**
 * The max along axes (kept), as a constant for autodiff, and 0 where it is not finite: shifting
 * by it keeps exp() from overflowing, and an all -Infinity row stays -Infinity instead of NaN.
 */
export function stableShift(t: Tensor, axes: number[]): Tensor {
  const m = stopGradient(max(t, { axis: axes, keepDims: true }));
  return where(isFinite(m), m, 0);
}

/** log(sum(exp(x))), shifted by the max so it neither overflows nor underflows. */
export const logSumExp = op(function logSumExp(x: TensorLike, opts: ReduceOptions = {}): Tensor {
  const t = toFloatTensor('logSumExp', x);
  const axes = normalizeAxes('logSumExp', opts.axis, t.rank);
  const m = stableShift(t, axes);
  const out = add(log(sum(exp(sub(t, m)), { axis: axes, keepDims: true })), m);
  return finish(out, t, axes, opts.keepDims, 'logSumExp');
});

function argReduce(op: 'argMax' | 'argMin', x: TensorLike, axis: number | undefined): Tensor {
  let t = toTensor(op, x);
  if (t.dtype === 'bool') t = p.cast(t, 'int32', op);
  if (axis === undefined) {
    t = p.reshape(t, [t.size], op);
    axis = 0;
  }
  const a = normalizeAxis(op, axis, t.rank);
  const source = op === 'argMax' ? t : neg(t);
  return p.reshape(
    p.argMax(source, a, op),
    t.shape.filter((_, i) => i !== a),
    op,
  );
}

/** Index of the largest value along an axis (the first on ties); over all values if axis is undefined. */
export const argMax = op(function argMax(x: TensorLike, axis?: number): Tensor {
  return argReduce('argMax', x, axis);
});
export const argMin = op(function argMin(x: TensorLike, axis?: number): Tensor {
  return argReduce('argMin', x, axis);
});
