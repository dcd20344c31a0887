import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkArg, is } from '../options.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toFloatTensor } from './creation.js';
import { add, mul, neg, rsqrt, square, sub } from './elementwise.js';
import { reshape } from './movement.js';
import { mean, type ReduceAxisArg, reduceAxes } from './reduction.js';

/** The mean and the population variance (divided by n) of a tensor. */
export interface Moments {
  mean: Tensor;
  variance: Tensor;
}

/**
 * The mean and the population variance over the given axes (all by default), as TensorFlow.js's
 * moments and Keras's ops.moments: the statistics batch and layer normalization use. The axes
 * come as the reductions take them: `moments(x, [0, 1], true)` or `moments(x, { axis, keepDims })`.
 * Integer tensors give float32.
 */
export const moments = op(
  'moments',
  function moments(x: TensorLike, axis?: ReduceAxisArg, keepDims?: boolean): Moments {
    const t = toFloatTensor('moments', x);
    const a = reduceAxes('moments', t.rank, axis, keepDims);
    const m = mean(t, a.axes, true);
    const variance = mean(square(sub(t, m)), a.axes, a.keepDims);
    return { mean: a.keepDims ? m : reshape(m, variance.shape), variance };
  },
  3,
);

/**
 * Normalizes x with given statistics: (x - mean) / sqrt(variance + varianceEpsilon) * scale +
 * offset, as TensorFlow.js's batchNorm (same arguments; offset and scale may be null). mean,
 * variance, offset and scale broadcast to x's shape (a per-channel [C] for channels-last x, or a
 * shape with ones on the normalized axes). Computed as x * inv + (offset - mean * inv) with
 * inv = scale / sqrt(variance + eps), as TensorFlow's batch_normalization does.
 */
export const batchNorm = op(
  'batchNorm',
  function batchNorm(
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    offset?: TensorLike | null,
    scale?: TensorLike | null,
    varianceEpsilon = 1e-3,
  ): Tensor {
    const t = toFloatTensor('batchNorm', x);
    checkArg('batchNorm', 'varianceEpsilon', varianceEpsilon, is.nonNegative);
    const operand = (name: string, v: TensorLike): Tensor => {
      const s = toFloatTensor('batchNorm', v);
      if (!shapesEqual(broadcastShapes('batchNorm', t.shape, s.shape), t.shape)) {
        throw new NablaError(`batchNorm: ${name} of shape ${fmtShape(s.shape)} does not broadcast to x's shape ${fmtShape(t.shape)}`);
      }
      return s;
    };
    const m = operand('mean', mean);
    let inv = rsqrt(add(operand('variance', variance), varianceEpsilon));
    if (scale !== undefined && scale !== null) inv = mul(inv, operand('scale', scale));
    const shift = offset === undefined || offset === null ? neg(mul(m, inv)) : sub(operand('offset', offset), mul(m, inv));
    return add(mul(t, inv), shift);
  },
  6,
);
