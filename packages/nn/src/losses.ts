import * as nb from '@nabla/core';
import { logitsOf } from './activations.js';
import { takingClassIndices } from './class-indices.js';
import { unknownName } from './options.js';
import { batchMean, checkSameShape, meanOverBatch } from './per-sample.js';

/**
 * Losses with Keras semantics: each takes (yTrue, yPred) and returns a float scalar, the mean
 * over the batch of a per-sample value (for regression losses, itself the mean over the last
 * axis; for cross-entropies, the sum over classes). yTrue is cast to yPred's dtype as Keras does,
 * and an integer yPred becomes float32. Each loss runs inside `tidy`, so a call leaves one live
 * tensor (its result); tidy inside `grad` is safe because disposal waits for pending readers.
 */
export type LossFn = (yTrue: nb.Tensor, yPred: nb.Tensor) => nb.Tensor;

/** Keras's fuzz factor: probabilities are clipped into [EPSILON, 1 - EPSILON] before a log. */
export const EPSILON = 1e-7;

export interface CrossentropyOptions {
  /** yPred holds unnormalized logits rather than probabilities (more stable). */
  fromLogits?: boolean;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function floatOf(x: nb.Tensor): nb.Tensor {
  return x.dtype === 'float32' || x.dtype === 'float64' ? x : nb.cast(x, 'float32');
}

/** [yTrue, yPred] in yPred's float dtype; call inside tidy (the casts are temporaries). */
function aligned(yTrue: nb.Tensor, yPred: nb.Tensor): [nb.Tensor, nb.Tensor] {
  const p = floatOf(yPred);
  return [yTrue.dtype === p.dtype ? yTrue : nb.cast(yTrue, p.dtype), p];
}

function needsClassAxis(loss: string, yPred: nb.Tensor): void {
  if (yPred.rank === 0) throw new nb.NablaError(`${loss}: yPred must have a class axis, got a scalar`);
}

/**
 * Per-sample values from elementwise ones: the mean over the last axis of [batch, ..., k];
 * values of rank 1 are one per sample already, and a scalar stays as it is.
 */
function perSampleMean(x: nb.Tensor): nb.Tensor {
  return x.rank <= 1 ? x : nb.mean(x, { axis: -1 });
}

function squaredErrors(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSameShape('meanSquaredError', yTrue, yPred);
  return nb.tidy(() => {
    const [t, p] = aligned(yTrue, yPred);
    return perSampleMean(nb.square(nb.sub(p, t)));
  });
}

function absoluteErrors(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  checkSameShape('meanAbsoluteError', yTrue, yPred);
  return nb.tidy(() => {
    const [t, p] = aligned(yTrue, yPred);
    return perSampleMean(nb.abs(nb.sub(p, t)));
  });
}

function huberValues(yTrue: nb.Tensor, yPred: nb.Tensor, delta: number): nb.Tensor {
  if (!(typeof delta === 'number' && Number.isFinite(delta) && delta > 0))
    throw new nb.NablaError(`huber: delta must be a positive number, got ${String(delta)}`);
  checkSameShape('huber', yTrue, yPred);
  return nb.tidy(() => {
    const [t, p] = aligned(yTrue, yPred);
    const e = nb.sub(p, t);
    const a = nb.abs(e);
    // Both branches are finite everywhere, so the one not taken adds nothing to the gradient.
    const quadratic = nb.mul(nb.square(e), 0.5);
    const linear = nb.sub(nb.mul(a, delta), 0.5 * delta * delta);
    return perSampleMean(nb.where(nb.lessEqual(a, delta), quadratic, linear));
  });
}

/** Mean over the batch of the per-sample mean over the last axis of (yPred - yTrue)^2. */
export const meanSquaredError = meanOverBatch('meanSquaredError', squaredErrors);

/** Mean over the batch of the per-sample mean over the last axis of |yPred - yTrue|. */
export const meanAbsoluteError = meanOverBatch('meanAbsoluteError', absoluteErrors);

/** Quadratic (0.5 e^2) for |e| <= delta, linear (delta |e| - 0.5 delta^2) beyond: Keras's huber. */
export function huberLoss(yTrue: nb.Tensor, yPred: nb.Tensor, delta = 1, ...extra: unknown[]): nb.Tensor {
  if (extra.length > 0) nb.checkArity('huberLoss', [yTrue, yPred, delta, ...extra], 3);
  return nb.tidy(() => batchMean(huberValues(yTrue, yPred, delta)));
}

/** huberLoss with delta = 1 (the Keras default). */
export const huber = meanOverBatch('huber', (t, p) => huberValues(t, p, 1));

/**
 * max(x, 0) - x z + log1p(exp(-|x|)): never overflows. Both |x| and max(x, 0) take the x >= 0
 * branch at 0, so the gradient there is the true 0.5 - z (abs and relu alone would give -z).
 */
function sigmoidCrossentropyWithLogits(z: nb.Tensor, x: nb.Tensor): nb.Tensor {
  const nonNegative = nb.greaterEqual(x, 0);
  const absX = nb.where(nonNegative, x, nb.neg(x));
  const relu = nb.where(nonNegative, x, nb.mul(x, 0));
  return nb.add(nb.sub(relu, nb.mul(x, z)), nb.log1p(nb.exp(nb.neg(absX))));
}

/** -(z log p + (1 - z) log(1 - p)) with p clipped to [EPSILON, 1 - EPSILON], mean over the last axis. */
export function binaryCrossentropyLoss(opts: CrossentropyOptions = {}, ...extra: unknown[]): LossFn {
  const fromLogits = crossentropyOptions('binaryCrossentropyLoss', opts, extra);
  return meanOverBatch('binaryCrossentropy', (yTrue, yPred) => {
    checkSameShape('binaryCrossentropy', yTrue, yPred);
    return nb.tidy(() => {
      const [z, p] = aligned(yTrue, yPred);
      if (fromLogits) return perSampleMean(sigmoidCrossentropyWithLogits(z, p));
      const q = nb.clip(p, EPSILON, 1 - EPSILON);
      const ll = nb.add(nb.mul(z, nb.log(q)), nb.mul(nb.sub(1, z), nb.log(nb.sub(1, q))));
      return perSampleMean(nb.neg(ll));
    });
  });
}

/** The options of the cross-entropy factories, checked: Keras's from_logits or label_smoothing is an error. */
function crossentropyOptions(op: string, opts: CrossentropyOptions, extra: unknown[]): boolean {
  nb.checkArity(op, [opts, ...extra], 1);
  return nb.checkOptions(op, opts, { fromLogits: nb.is.boolean }).fromLogits ?? false;
}

/**
 * Log-probabilities over the last axis: logSoftmax of logits, or log of Keras's normalized,
 * clipped p. Probabilities made by the softmax activation are taken from their logits, as
 * Keras 3 does (see activations.ts).
 */
function logProbabilities(yPred: nb.Tensor, fromLogits: boolean): nb.Tensor {
  if (fromLogits) return nb.logSoftmax(yPred, -1);
  const logits = logitsOf(yPred);
  if (logits) return nb.logSoftmax(floatOf(logits), -1);
  const p = nb.div(yPred, nb.sum(yPred, { axis: -1, keepDims: true }));
  return nb.log(nb.clip(p, EPSILON, 1 - EPSILON));
}

/** -sum(yTrue log p) over the classes (last axis), mean over the batch; yTrue one-hot or soft. */
export function categoricalCrossentropyLoss(opts: CrossentropyOptions = {}, ...extra: unknown[]): LossFn {
  const fromLogits = crossentropyOptions('categoricalCrossentropyLoss', opts, extra);
  return meanOverBatch('categoricalCrossentropy', (yTrue, yPred) => {
    needsClassAxis('categoricalCrossentropy', yPred);
    checkSameShape('categoricalCrossentropy', yTrue, yPred);
    return nb.tidy(() => {
      const [t, p] = aligned(yTrue, yPred);
      return nb.neg(nb.sum(nb.mul(t, logProbabilities(p, fromLogits)), { axis: -1 }));
    });
  });
}

/**
 * Class indices (int32, or floats holding integers) of shape [...batch] or [...batch, 1] against
 * yPred [...batch, classes]: each sample's log-probability is taken along the class axis. A
 * label outside [0, classes) is an error on every backend when the graph runs, naming the label
 * and its position in yTrue (`sparseCategoricalCrossentropy: label 5 at position [3] is out of
 * range for 3 classes`), never a loss computed from another entry.
 */
export function sparseCategoricalCrossentropyLoss(opts: CrossentropyOptions = {}, ...extra: unknown[]): LossFn {
  const fromLogits = crossentropyOptions('sparseCategoricalCrossentropyLoss', opts, extra);
  const loss = meanOverBatch('sparseCategoricalCrossentropy', (yTrue, yPred) => {
    checkSparseLabels('sparseCategoricalCrossentropy', yTrue, yPred);
    return nb.tidy(() => {
      const c = yPred.shape[yPred.rank - 1];
      const logp = logProbabilities(floatOf(yPred), fromLogits);
      // The cast maps NaN to 0, a valid class: a NaN label becomes -1, which the check rejects.
      const whole = yTrue.dtype === 'int32' ? yTrue : nb.where(nb.isNaN(yTrue), -1, yTrue);
      const labels = nb.reshape(nb.cast(whole, 'int32'), yPred.shape.slice(0, -1));
      const names = { op: 'sparseCategoricalCrossentropy', what: 'label', range: `${c} classes`, shape: yTrue.shape };
      return nb.neg(nb.takeAlongLastAxis(logp, labels, names));
    });
  });
  // fit and evaluate check labels held in memory on the host (training/labels.ts).
  return takingClassIndices(loss);
}

/**
 * Checks class indices of shape [...batch] or [...batch, 1] against predictions
 * [...batch, classes]. Shared with the sparse accuracy metric (internal, not part of the API).
 */
export function checkSparseLabels(name: string, yTrue: nb.Tensor, yPred: nb.Tensor, ...extra: unknown[]): void {
  nb.checkArity('checkSparseLabels', [name, yTrue, yPred, ...extra], 3);
  needsClassAxis(name, yPred);
  const lead = yPred.shape.slice(0, -1);
  if (!(nb.shapesEqual(yTrue.shape, lead) || nb.shapesEqual(yTrue.shape, [...lead, 1]))) {
    throw new nb.NablaError(
      `${name}: yTrue shape ${fmt(yTrue.shape)} does not fit yPred shape ${fmt(yPred.shape)}: ` +
        `expected class indices of shape ${fmt(lead)} or ${fmt([...lead, 1])}`,
    );
  }
}

export const binaryCrossentropy: LossFn = binaryCrossentropyLoss();
export const categoricalCrossentropy: LossFn = categoricalCrossentropyLoss();
export const sparseCategoricalCrossentropy: LossFn = sparseCategoricalCrossentropyLoss();

const LOSSES: Record<string, LossFn> = {
  meanSquaredError,
  mse: meanSquaredError,
  mean_squared_error: meanSquaredError,
  meanAbsoluteError,
  mae: meanAbsoluteError,
  mean_absolute_error: meanAbsoluteError,
  huber,
  huber_loss: huber,
  binaryCrossentropy,
  binary_crossentropy: binaryCrossentropy,
  categoricalCrossentropy,
  categorical_crossentropy: categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  sparse_categorical_crossentropy: sparseCategoricalCrossentropy,
};

/** Whether `identifier` is one of nabla's own losses: a name getLoss knows, or one of its functions (not a user's function of such a name). */
export function isBuiltinLoss(identifier: string | LossFn, ...extra: unknown[]): boolean {
  nb.checkArity('isBuiltinLoss', [identifier, ...extra], 1);
  return typeof identifier === 'string' ? Object.hasOwn(LOSSES, identifier) : Object.values(LOSSES).includes(identifier);
}

/**
 * Resolves a Keras / TensorFlow.js loss name (camelCase, snake_case or the short 'mse'/'mae') or
 * passes a function through. The name is the canonical camelCase one, or a function's own name.
 */
export function getLoss(identifier: string | LossFn, ...extra: unknown[]): { name: string; fn: LossFn } {
  nb.checkArity('getLoss', [identifier, ...extra], 1);
  if (typeof identifier === 'function') return { name: identifier.name || 'loss', fn: identifier };
  if (typeof identifier === 'string' && Object.hasOwn(LOSSES, identifier)) {
    const fn = LOSSES[identifier];
    return { name: fn.name, fn };
  }
  throw unknownName('getLoss', 'loss', identifier, Object.keys(LOSSES));
}
