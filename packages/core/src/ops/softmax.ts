import { isFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toTensor } from './creation.js';
import { div, exp, sub } from './elementwise.js';
import { stopGradient } from './gradient-control.js';
import * as p from './prims.js';
import { logSumExp, max, sum } from './reduction.js';

function floatTensor(op: string, x: TensorLike): Tensor {
  const t = toTensor(op, x);
  return isFloat(t.dtype) ? t : p.cast(t, 'float32', op);
}

/** exp(x) / sum(exp(x)) along an axis (the last by default), shifted by the max for stability. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = floatTensor('softmax', x);
  const e = exp(sub(t, stopGradient(max(t, { axis, keepDims: true }))));
  return div(e, sum(e, { axis, keepDims: true }));
}

/** x - logSumExp(x) along an axis: finite where softmax would underflow to 0. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = floatTensor('logSoftmax', x);
  return sub(t, logSumExp(t, { axis, keepDims: true }));
}
