import type * as nb from '@nabla/core';

/**
 * The per-sample values behind the built-in losses and metrics (what Keras's
 * `reduction='none'` returns): shape [batch] (or [batch, ...] for sequence outputs), before the
 * mean over the batch. Sample and class weights multiply these values; a function without an
 * entry here (a user's loss) is called as it is, and its result must then be per-sample values
 * itself. Internal: not part of the package's API.
 */
type ValuesFn = (yTrue: nb.Tensor, yPred: nb.Tensor) => nb.Tensor;

const PER_SAMPLE = new WeakMap<object, ValuesFn>();

/** Records `values` as the per-sample form of `fn` and returns `fn`. */
export function withPerSample<F extends object>(fn: F, values: ValuesFn): F {
  PER_SAMPLE.set(fn, values);
  return fn;
}

/** The per-sample form of a built-in loss or metric, if it is one. */
export function perSampleOf(fn: object): ValuesFn | undefined {
  return PER_SAMPLE.get(fn);
}
