import { makeStopGradient } from '../engine/node.js';
import { op } from '../engine/op.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toTensor } from './creation.js';

/** The same values, with no gradient flowing back through it. */
export const stopGradient = op(
  'stopGradient',
  function stopGradient(x: TensorLike): Tensor {
    return makeStopGradient(toTensor('stopGradient', x));
  },
  1,
);
