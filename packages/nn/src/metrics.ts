import * as nb from '@nabla/core';
import { checkSparseLabels, meanAbsoluteError, meanSquaredError } from './losses.js';

/**
 * Metrics with Keras semantics: each takes (yTrue, yPred) and returns a scalar, the batch mean of
 * a per-sample value, in float64 when yPred is float64 and float32 otherwise. Metrics are not
 * differentiated (accuracies are step functions); they run inside `tidy` so that one call leaves
 * one live tensor.
 */
export type MetricFn = (yTrue: nb.Tensor, yPred: nb.Tensor) => nb.Tensor;

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function checkSameShape(metric: string, yTrue: nb.Tensor, yPred: nb.Tensor): void {
  const same = yTrue.rank === yPred.rank && yTrue.shape.every((d, i) => d === yPred.shape[i]);
  if (!same) throw new nb.NablaError(`${metric}: yTrue shape ${fmt(yTrue.shape)} differs from yPred shape ${fmt(yPred.shape)}`);
}

function resultDType(yPred: nb.Tensor): nb.DType {
  return yPred.dtype === 'float64' ? 'float64' : 'float32';
}

/** Fraction of hits: a bool tensor of per-element matches, averaged in the result dtype. */
function hitRate(hits: nb.Tensor, dtype: nb.DType): nb.Tensor {
  const h = nb.cast(hits, dtype);
  // Per sample over the last axis, then over the batch, as Keras; the same as one global mean.
  return h.rank === 0 ? h : nb.mean(nb.mean(h, { axis: -1 }));
}

/** yPred > threshold, as yTrue's values (so a soft label such as 0.9 never matches), per Keras. */
export function binaryAccuracy(yTrue: nb.Tensor, yPred: nb.Tensor, threshold = 0.5): nb.Tensor {
  checkSameShape('binaryAccuracy', yTrue, yPred);
  return nb.tidy(() => {
    const dtype = resultDType(yPred);
    const predicted = nb.cast(nb.greater(yPred, threshold), dtype);
    return hitRate(nb.equal(nb.cast(yTrue, dtype), predicted), dtype);
  });
}

/** argMax of yTrue equals argMax of yPred over the last (class) axis; ties go to the first index. */
export function categoricalAccuracy(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSameShape('categoricalAccuracy', yTrue, yPred);
  if (yPred.rank === 0) throw new nb.NablaError('categoricalAccuracy: yPred must have a class axis, got a scalar');
  return nb.tidy(() => {
    const hits = nb.equal(nb.argMax(yTrue, -1), nb.argMax(yPred, -1));
    return nb.mean(nb.cast(hits, resultDType(yPred)));
  });
}

/** Class indices of shape [...batch] or [...batch, 1] equal argMax of yPred [...batch, classes]. */
export function sparseCategoricalAccuracy(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSparseLabels('sparseCategoricalAccuracy', yTrue, yPred);
  return nb.tidy(() => {
    const labels = nb.reshape(yTrue, yPred.shape.slice(0, -1));
    // equal promotes: int32 labels compare as integers, float labels (2.0) as floats, like Keras.
    const hits = nb.equal(labels, nb.argMax(yPred, -1));
    return nb.mean(nb.cast(hits, resultDType(yPred)));
  });
}

export { meanAbsoluteError, meanSquaredError };

const METRICS: Record<string, MetricFn> = {
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

/** 'accuracy' means the accuracy that fits the loss, as in Keras. Loss names match in any spelling. */
function accuracyFor(lossName: string | undefined): MetricFn {
  const key = (lossName ?? '').replace(/_/g, '').toLowerCase();
  if (key === 'binarycrossentropy') return binaryAccuracy;
  if (key === 'sparsecategoricalcrossentropy') return sparseCategoricalAccuracy;
  return categoricalAccuracy;
}

/**
 * Resolves a metric name or passes a function through. The name returned is the one Keras logs:
 * the string as given ('accuracy', 'acc', 'mse'), or a function's own name ('metric' if empty).
 */
export function getMetric(identifier: string | MetricFn, lossName?: string): { name: string; fn: MetricFn } {
  if (typeof identifier === 'function') return { name: identifier.name || 'metric', fn: identifier };
  if (identifier === 'accuracy' || identifier === 'acc') return { name: identifier, fn: accuracyFor(lossName) };
  if (typeof identifier === 'string' && Object.hasOwn(METRICS, identifier)) return { name: identifier, fn: METRICS[identifier] };
  const known = ['accuracy', 'acc', ...Object.keys(METRICS)].join(', ');
  const shown = typeof identifier === 'string' ? `'${identifier}'` : String(identifier);
  throw new nb.NablaError(`getMetric: unknown metric ${shown}; known: ${known}`);
}
