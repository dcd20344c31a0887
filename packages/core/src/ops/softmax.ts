import { op } from '../engine/op.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toFloatTensor } from './creation.js';
import { div, exp, log, sub } from './elementwise.js';
import { stableShift, sum } from './reduction.js';

/**
 * x shifted by its max along one axis (the last by default), and that axis. An empty axis has
 * no max and needs no shift: its softmax is the empty tensor, as in TensorFlow.js.
 */
function shifted(op: string, x: TensorLike, axis: number): [Tensor, number[]] {
  const t = toFloatTensor(op, x);
  const axes = [normalizeAxis(op, axis, t.rank)];
  if (t.shape[axes[0]] === 0) return [t, axes];
  return [sub(t, stableShift(t, axes, op)), axes];
}

/** exp(x) / sum(exp(x)) along an axis (the last by default), shifted by the max for stability. */
export const softmax = op(
  'softmax',
  function softmax(x: TensorLike, axis = -1): Tensor {
    const [z, axes] = shifted('softmax', x, axis);
    const e = exp(z);
    return div(e, sum(e, { axis: axes, keepDims: true }));
  },
  2,
);

/** (x - max) - log(sum(exp(x - max))): exact where softmax underflows to 0, and for huge logits. */
export const logSoftmax = op(
  'logSoftmax',
  function logSoftmax(x: TensorLike, axis = -1): Tensor {
    const [z, axes] = shifted('logSoftmax', x, axis);
    return sub(z, log(sum(exp(z), { axis: axes, keepDims: true })));
  },
  2,
);
