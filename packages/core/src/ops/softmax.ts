import { op } from '../engine/op.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toFloatTensor } from './creation.js';
import { div, exp, log, sub } from './elementwise.js';
import { stableShift, sum } from './reduction.js';

function shifted(op: string, x: TensorLike, axis: number): [Tensor, number[]] {
  const t = toFloatTensor(op, x);
  const axes = normalizeAxes(op, axis, t.rank);
  return [sub(t, stableShift(t, axes)), axes];
}

/** exp(x) / sum(exp(x)) along an axis (the last by default), shifted by the max for stability. */
export const softmax = op(function softmax(x: TensorLike, axis = -1): Tensor {
  const [z, axes] = shifted('softmax', x, axis);
  const e = exp(z);
  return div(e, sum(e, { axis: axes, keepDims: true }));
});

/** (x - max) - log(sum(exp(x - max))): exact where softmax underflows to 0, and for huge logits. */
export const logSoftmax = op(function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const [z, axes] = shifted('logSoftmax', x, axis);
  return sub(z, log(sum(exp(z), { axis: axes, keepDims: true })));
});
