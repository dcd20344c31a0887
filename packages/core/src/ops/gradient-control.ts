import { makeStopGradient } from '../engine/node.js';
import type { Tensor } from '../tensor.js';

/** The same values, with no gradient flowing back through it. */
export function stopGradient(x: Tensor): Tensor {
  return makeStopGradient(x);
}
