import * as nb from '@nabla/core';

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

/** The batch mean of per-sample values; one global mean, since every sample has as many (a scalar stays as it is). */
export function batchMean(values: nb.Tensor): nb.Tensor {
  return values.rank === 0 ? values : nb.mean(values);
}

/**
 * The loss or metric `name`: the batch mean of per-sample `values`, which it records as its
 * per-sample form. It is called with (yTrue, yPred): a third argument is an error, not ignored.
 */
export function meanOverBatch(name: string, values: ValuesFn): (yTrue: nb.Tensor, yPred: nb.Tensor, ...extra: unknown[]) => nb.Tensor {
  const fn = (yTrue: nb.Tensor, yPred: nb.Tensor, ...extra: unknown[]): nb.Tensor => {
    if (extra.length > 0) nb.checkArity(name, [yTrue, yPred, ...extra], 2);
    return nb.tidy(() => batchMean(values(yTrue, yPred)));
  };
  Object.defineProperty(fn, 'name', { value: name });
  return withPerSample(fn, values);
}

/** Elementwise per-sample values need yTrue and yPred of one shape. */
export function checkSameShape(op: string, yTrue: nb.Tensor, yPred: nb.Tensor): void {
  if (!nb.shapesEqual(yTrue.shape, yPred.shape)) {
    throw new nb.NablaError(`${op}: yTrue shape [${yTrue.shape.join(',')}] differs from yPred shape [${yPred.shape.join(',')}]`);
  }
}
