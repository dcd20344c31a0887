import * as nb from '@nabla/core';
import type { LossFn } from '../losses.js';
import type { MetricFn } from '../metrics.js';
import { perSampleOf } from '../per-sample.js';

/**
 * Sample weights as Keras applies them. The loss is Keras's 'sum_over_batch_size': the sum of
 * the weighted per-sample losses divided by the number of values (the batch size), not by the
 * sum of the weights. Weighted metrics (compile's weightedMetrics) are weighted means: the sum
 * of the weighted values over the sum of the weights (0 when that is 0, as Keras's
 * divide_no_nan). compile's plain metrics ignore the weights, as in Keras 3.
 */

/**
 * A loss's or metric's values per sample: a built-in's per-sample form, or what the function
 * itself returns (a user's function that is to be weighted must return one value per sample,
 * shape [batch] or [batch, ...], as a Keras loss function does).
 */
function perSample(what: string, fn: LossFn | MetricFn, yTrue: nb.Tensor, yPred: nb.Tensor, batch: number): nb.Tensor {
  const values = (perSampleOf(fn) ?? fn)(yTrue, yPred);
  if (values.rank === 0 || values.shape[0] !== batch) {
    // Named by the function, not by fit or evaluate: both weight samples through here.
    throw new nb.NablaError(
      `${what} '${fn.name || 'anonymous'}' returned shape [${values.shape.join(',')}] for a batch of ${batch}: ` +
        `return one value per sample (shape [${batch}]); sample weights (sampleWeight, classWeight) weight each ` +
        `sample's ${what}, and the weighted values are averaged as Keras does`,
    );
  }
  return values;
}

/** The weights [batch] as a tensor that broadcasts against `values` [batch, ...], in its dtype. */
function alongBatch(weights: nb.Tensor, values: nb.Tensor): nb.Tensor {
  const w = nb.cast(weights, values.dtype);
  return values.rank === 1 ? w : nb.reshape(w, [values.shape[0], ...values.shape.slice(1).map(() => 1)]);
}

/** The mean of a result that may be per-sample values (a user's function) or already one number. */
function meanOf(v: nb.Tensor): nb.Tensor {
  return v.rank === 0 ? v : nb.mean(v);
}

/** The loss of a batch: the mean without weights; with them, Keras's sum over the batch size. */
export function batchLoss(loss: LossFn, yTrue: nb.Tensor, yPred: nb.Tensor, weights?: nb.Tensor): nb.Tensor {
  if (weights === undefined) return meanOf(loss(yTrue, yPred));
  const values = perSample('loss', loss, yTrue, yPred, yPred.shape[0]);
  return nb.div(nb.sum(nb.mul(values, alongBatch(weights, values))), values.size);
}

/** A metric of a batch: the mean, or with weights the weighted mean (0 when the weights sum to 0). */
export function batchMetric(metric: MetricFn, yTrue: nb.Tensor, yPred: nb.Tensor, weights?: nb.Tensor): nb.Tensor {
  if (weights === undefined) return meanOf(metric(yTrue, yPred));
  const values = perSample('metric', metric, yTrue, yPred, yPred.shape[0]);
  const w = nb.mul(alongBatch(weights, values), nb.onesLike(values));
  const total = nb.sum(w);
  return nb.where(nb.greater(total, 0), nb.div(nb.sum(nb.mul(values, w)), total), 0);
}
