import * as nb from '@nabla/core';
import { checkSparseLabels, meanAbsoluteError, meanSquaredError } from './losses.js';
import { unknownName } from './options.js';
import { batchMean, checkSameShape, meanOverBatch, perSampleOf, withPerSample } from './per-sample.js';

/**
 * Metrics with Keras semantics: each takes (yTrue, yPred) and returns a scalar, the batch mean of
 * a per-sample value, in float64 when yPred is float64 and float32 otherwise. Metrics are not
 * differentiated (accuracies are step functions); they run inside `tidy` so that one call leaves
 * one live tensor.
 */
export type MetricFn = (yTrue: nb.Tensor, yPred: nb.Tensor) => nb.Tensor;

function resultDType(yPred: nb.Tensor): nb.DType {
  return yPred.dtype === 'float64' ? 'float64' : 'float32';
}

/** Per-sample hit rates: hits cast to the result dtype, averaged over the last axis (rank >= 2). */
function perSampleHits(hits: nb.Tensor, dtype: nb.DType): nb.Tensor {
  const h = nb.cast(hits, dtype);
  return h.rank <= 1 ? h : nb.mean(h, { axis: -1 });
}

function binaryHits(yTrue: nb.Tensor, yPred: nb.Tensor, threshold = 0.5): nb.Tensor {
  checkSameShape('binaryAccuracy', yTrue, yPred);
  if (typeof threshold !== 'number' || Number.isNaN(threshold))
    throw new nb.NablaError(`binaryAccuracy: threshold must be a number, got ${nb.describe(threshold)}`);
  return nb.tidy(() => {
    const dtype = resultDType(yPred);
    const predicted = nb.cast(nb.greater(yPred, threshold), dtype);
    return perSampleHits(nb.equal(nb.cast(yTrue, dtype), predicted), dtype);
  });
}

function categoricalHits(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSameShape('categoricalAccuracy', yTrue, yPred);
  if (yPred.rank === 0) throw new nb.NablaError('categoricalAccuracy: yPred must have a class axis, got a scalar');
  return nb.tidy(() => nb.cast(nb.equal(nb.argMax(yTrue, -1), nb.argMax(yPred, -1)), resultDType(yPred)));
}

function sparseCategoricalHits(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSparseLabels('sparseCategoricalAccuracy', yTrue, yPred);
  return nb.tidy(() => {
    const labels = nb.reshape(yTrue, yPred.shape.slice(0, -1));
    // equal promotes: int32 labels compare as integers, float labels (2.0) as floats, like Keras.
    return nb.cast(nb.equal(labels, nb.argMax(yPred, -1)), resultDType(yPred));
  });
}

/** yPred > threshold, as yTrue's values (so a soft label such as 0.9 never matches), per Keras. */
export const binaryAccuracy = withPerSample(function binaryAccuracy(
  yTrue: nb.Tensor,
  yPred: nb.Tensor,
  threshold = 0.5,
  ...extra: unknown[]
): nb.Tensor {
  if (extra.length > 0) nb.checkArity('binaryAccuracy', [yTrue, yPred, threshold, ...extra], 3);
  return nb.tidy(() => batchMean(binaryHits(yTrue, yPred, threshold)));
}, binaryHits);

/** argMax of yTrue equals argMax of yPred over the last (class) axis; ties go to the first index. */
export const categoricalAccuracy = meanOverBatch('categoricalAccuracy', categoricalHits);

/** Class indices of shape [...batch] or [...batch, 1] equal argMax of yPred [...batch, classes]. */
export const sparseCategoricalAccuracy = meanOverBatch('sparseCategoricalAccuracy', sparseCategoricalHits);

/**
 * Which accuracy 'accuracy' (or 'acc') means for these shapes, by Keras 3's rule
 * (compile_utils.get_metric): a last dimension of 1 in yPred is binary accuracy (a sigmoid
 * output); labels of lower rank than yPred, or a last dimension of 1 against several classes,
 * are sparse categorical; otherwise (one-hot labels) categorical. The loss plays no part.
 */
export function accuracyFor(yTrue: nb.Tensor, yPred: nb.Tensor, ...extra: unknown[]): MetricFn {
  nb.checkArity('accuracyFor', [yTrue, yPred, ...extra], 2);
  const pLast = yPred.shape[yPred.rank - 1];
  const tLast = yTrue.shape[yTrue.rank - 1];
  if (pLast === 1) return binaryAccuracy;
  if (yTrue.rank < yPred.rank || (tLast === 1 && pLast > 1)) return sparseCategoricalAccuracy;
  return categoricalAccuracy;
}

/** Keras's 'accuracy': the accuracy that fits the shapes of yTrue and yPred (see accuracyFor). */
const accuracy = withPerSample(
  function accuracy(yTrue: nb.Tensor, yPred: nb.Tensor, ...extra: unknown[]): nb.Tensor {
    // A threshold given here would be dropped silently: binaryAccuracy takes one, accuracy does not.
    nb.checkArity('accuracy', [yTrue, yPred, ...extra], 2);
    return accuracyFor(yTrue, yPred)(yTrue, yPred);
  },
  (yTrue: nb.Tensor, yPred: nb.Tensor) => (perSampleOf(accuracyFor(yTrue, yPred)) as MetricFn)(yTrue, yPred),
);

export { meanAbsoluteError, meanSquaredError };

const METRICS: Record<string, MetricFn> = {
  accuracy,
  acc: accuracy,
  binaryAccuracy,
  binary_accuracy: binaryAccuracy,
  categoricalAccuracy,
  categorical_accuracy: categoricalAccuracy,
  sparseCategoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy,
  meanSquaredError,
  mse: meanSquaredError,
  mean_squared_error: meanSquaredError,
  meanAbsoluteError,
  mae: meanAbsoluteError,
  mean_absolute_error: meanAbsoluteError,
};

/** Whether `identifier` is one of nabla's own metrics: a name getMetric knows, or one of its functions (not a user's function of such a name). */
export function isBuiltinMetric(identifier: string | MetricFn, ...extra: unknown[]): boolean {
  nb.checkArity('isBuiltinMetric', [identifier, ...extra], 1);
  return typeof identifier === 'string' ? Object.hasOwn(METRICS, identifier) : Object.values(METRICS).includes(identifier);
}

/**
 * Resolves a metric name or passes a function through. The name returned is the one Keras logs:
 * the string as given ('accuracy', 'acc', 'mse'), or a function's own name ('metric' if empty).
 * 'accuracy' and 'acc' pick binary, sparse categorical or categorical accuracy from the shapes
 * of the labels and predictions, as Keras 3 does (see accuracyFor).
 */
export function getMetric(identifier: string | MetricFn, ...extra: unknown[]): { name: string; fn: MetricFn } {
  nb.checkArity('getMetric', [identifier, ...extra], 1);
  if (typeof identifier === 'function') return { name: identifier.name || 'metric', fn: identifier };
  if (typeof identifier === 'string' && Object.hasOwn(METRICS, identifier)) return { name: identifier, fn: METRICS[identifier] };
  throw unknownName('getMetric', 'metric', identifier, Object.keys(METRICS));
}
