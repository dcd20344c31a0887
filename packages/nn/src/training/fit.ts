import * as nb from '@nabla/core';
import { Callback, CallbackList, CustomCallback, type CustomCallbackArgs, type Logs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progress.js';
import type { Compiled, Sequential } from '../models/sequential.js';
import type { Slots } from '../optimizers/optimizer.js';
import { checkConfig } from '../options.js';
import { type ClassWeight, classWeights, resolveSampleWeight } from './class-weight.js';
import { asTensor, batches, checkSamples, epochOrder, seededRandom } from './data.js';
import { type EvalInputs, evalStep, type Params, type StepSpec, type TrainInputs, type TrainOutputs, trainStep } from './steps.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seeds shuffling and dropout; fixed by default so that a run is reproducible. */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] or, as Keras, [x, y, sampleWeight]. */
  validationData?: [nb.TensorLike, nb.TensorLike] | [nb.TensorLike, nb.TensorLike, nb.TensorLike];
  /** Callback objects, or hooks as plain functions (TensorFlow.js's `{ onEpochEnd(epoch, logs) {} }`). */
  callbacks?: Callback | CustomCallbackArgs | (Callback | CustomCallbackArgs)[];
  /** 0 silent, 1 progress bar (one line per epoch when not on a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  initialEpoch?: number;
  /**
   * A weight per sample, shape [samples] (or [samples, 1]): each sample's loss is multiplied by
   * it and the batch loss is their sum over the batch size, as Keras; weightedMetrics are the
   * weighted means. Not with classWeight.
   */
  sampleWeight?: nb.TensorLike;
  /**
   * A weight per class, `{ 0: 1, 1: 50 }`: each sample weighs as its class, found as Keras does
   * (the argMax of one-hot labels, the rounded label otherwise); classes not listed weigh 1.
   * Training only (not validation), as in Keras.
   */
  classWeight?: ClassWeight;
}

/** fit's options, checked: an unknown key (Keras's batch_size, steps_per_epoch) is an error naming the valid ones. */
const FIT_OPTIONS: nb.OptionSchema = {
  epochs: nb.is.positiveInteger,
  batchSize: nb.is.positiveInteger,
  shuffle: nb.is.boolean,
  seed: nb.is.integer,
  validationSplit: nb.is.number,
  validationData: (v) => (Array.isArray(v) && (v.length === 2 || v.length === 3) ? undefined : 'a list [x, y] or [x, y, sampleWeight]'),
  callbacks: (v) => (typeof v === 'object' && v !== null ? undefined : 'a Callback, a list of them, or an object of hooks'),
  verbose: nb.is.oneOf(0, 1, 2),
  initialEpoch: nb.is.nonNegativeInteger,
  sampleWeight: nb.is.any,
  classWeight: nb.is.object,
};

export interface EvaluateArgs {
  batchSize?: number;
  /** A weight per sample, as in fit. */
  sampleWeight?: nb.TensorLike;
}

export const EVALUATE_OPTIONS: nb.OptionSchema = { batchSize: nb.is.positiveInteger, sampleWeight: nb.is.any };

/** Callbacks as given: instances, TensorFlow.js's plain objects of hooks, or a list of either. */
function toCallbacks(given: FitArgs['callbacks']): Callback[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return list.map((c) => (c instanceof Callback ? c : new CustomCallback(c as CustomCallbackArgs)));
}

function toParams(weights: { name: string; value: nb.Tensor }[]): Params {
  const params: Params = {};
  for (const w of weights) params[w.name] = w.value;
  return params;
}

/** A compiled step, made once per compile() (released by the next compile or dispose). */
function cachedStep<S extends { dispose(): void }>(compiled: Compiled, kind: string, make: () => S): S {
  let step = compiled.cache.get(kind) as S | undefined;
  if (!step) {
    step = make();
    compiled.cache.set(kind, step);
  }
  return step;
}

/** Executions whose stats may wait unread (see batchLogs in fit). */
const UNREAD_LIMIT = 64;

/**
 * Running sums of the loss and metrics over an epoch, as Keras's Mean trackers: the loss and
 * plain metrics weighted by batch size, the last `weighted` names (weightedMetrics) by the
 * batch's sum of sample weights, which rows carry in one more column when `hasWeights`.
 */
class Totals {
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly width: number;

  constructor(
    private readonly names: string[],
    private readonly weighted: number,
    private readonly hasWeights: boolean,
  ) {
    this.sums = new Float64Array(names.length);
    this.counts = new Float64Array(names.length);
    this.width = names.length + (hasWeights ? 1 : 0);
  }

  /** Adds row `row` of an execution's stats ([steps, width]), a batch of `size` samples. */
  add(stats: ArrayLike<number>, row: number, size: number): void {
    const at = row * this.width;
    const weightSum = this.hasWeights ? stats[at + this.names.length] : size;
    const firstWeighted = this.names.length - this.weighted;
    for (let i = 0; i < this.names.length; i++) {
      const by = i >= firstWeighted ? weightSum : size;
      this.sums[i] += stats[at + i] * by;
      this.counts[i] += by;
    }
  }

  /** The means so far, as logs (0 where nothing was counted, as Keras's divide_no_nan). */
  means(): Logs {
    const logs: Logs = {};
    this.names.forEach((name, i) => {
      logs[name] = this.counts[i] > 0 ? this.sums[i] / this.counts[i] : 0;
    });
    return logs;
  }
}

/**
 * The `perStep` input of an execution of these batches (see TrainInputs): per step, the sample
 * indices, the dropout seed, then the optimizer's step scalars.
 */
function perStepRows(group: Int32Array[], compiled: Compiled, scalarNames: string[], fitSeed: number): nb.Tensor {
  const size = group[0].length;
  const width = size + 1 + scalarNames.length;
  const rows = new Float64Array(group.length * width);
  group.forEach((samples, k) => {
    const it = compiled.iterations + k;
    rows.set(samples, k * width);
    rows[k * width + size] = (fitSeed + it * 7919) | 0;
    const scalars = compiled.optimizer.stepScalars(it);
    scalarNames.forEach((name, j) => {
      rows[k * width + size + 1 + j] = scalars[name];
    });
  });
  return nb.tensor(rows, [group.length, width], 'float64');
}

/**
 * Creates the optimizer's slots on the first step. Slots whose groups no longer match the
 * trainable weights (a group's slots are one tensor for all its weights) are replaced by fresh
 * ones, as a new compile would.
 */
function ensureSlots(compiled: Compiled, params: Params): void {
  const keys = compiled.optimizer.slotGroups(params).map((g) => g.key);
  if (compiled.slots && keys.join('\n') === Object.keys(compiled.slots).join('\n')) return;
  if (compiled.slots) nb.dispose(compiled.slots);
  compiled.slots = nb.keep(compiled.optimizer.initSlots(params));
}

/** Keras's training loop over a compiled Sequential model. */
export async function fit(model: Sequential, x: nb.Tensor, y: nb.Tensor, given: FitArgs | undefined): Promise<History> {
  const args = checkConfig('fit', given, FIT_OPTIONS);
  const compiled = model.requireCompiled('fit');
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const initialEpoch = args.initialEpoch ?? 0;
  const n = checkSamples('fit', x, y);
  model.checkInput('fit', x);
  if (args.sampleWeight !== undefined && args.classWeight !== undefined) {
    throw new nb.NablaError('fit: give sampleWeight or classWeight, not both (as Keras)');
  }
  const owned: nb.Tensor[] = [];
  // Per-sample weights, [n] float32, or null: given, or each sample's class weight.
  let weights: nb.Tensor | null = null;
  if (args.sampleWeight !== undefined) weights = await resolveSampleWeight('fit', args.sampleWeight, n);
  else if (args.classWeight !== undefined) weights = await classWeights(args.classWeight, y, model.outputShape);
  if (weights) owned.push(weights);

  // Validation data: given, or split from the end.
  let trainX = x;
  let trainY = y;
  let trainW = weights;
  let val: [nb.Tensor, nb.Tensor, nb.Tensor | null] | null = null;
  try {
    if (args.validationData) {
      const [vxGiven, vyGiven, vwGiven] = args.validationData;
      const [vx, vy] = [asTensor('fit', 'validationData', vxGiven), asTensor('fit', 'validationData', vyGiven)];
      // Arrays were converted here: those tensors are fit's to dispose.
      if (vx !== vxGiven) owned.push(vx);
      if (vy !== vyGiven) owned.push(vy);
      checkSamples('fit (validationData)', vx, vy);
      model.checkInput('fit (validationData)', vx);
      const vw = vwGiven === undefined ? null : await resolveSampleWeight('fit (validationData)', vwGiven, vx.shape[0]);
      if (vw) owned.push(vw);
      val = [vx, vy, vw];
    } else if (args.validationSplit !== undefined && args.validationSplit > 0) {
      const split = args.validationSplit;
      if (!(split < 1)) throw new nb.NablaError(`fit: validationSplit must be in [0, 1), got ${split}`);
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n) throw new nb.NablaError(`fit: validationSplit ${split} of ${n} samples leaves an empty part`);
      [trainX, trainY] = [nb.slice(x, [0], [nTrain]), nb.slice(y, [0], [nTrain])];
      // Sample weights split with their samples (class weights apply to training only, as in Keras).
      const split3 = (t: nb.Tensor | null, from: number, size: number) => (t ? nb.slice(t, [from], [size]) : null);
      trainW = split3(weights, 0, nTrain);
      const valW = args.sampleWeight !== undefined ? split3(weights, nTrain, n - nTrain) : null;
      val = [nb.slice(x, [nTrain], [n - nTrain]), nb.slice(y, [nTrain], [n - nTrain]), valW];
      owned.push(trainX, trainY, val[0], val[1], ...(trainW && trainW !== weights ? [trainW] : []), ...(valW ? [valW] : []));
    } else if (args.validationSplit !== undefined && !(args.validationSplit >= 0)) {
      throw new nb.NablaError(`fit: validationSplit must be in [0, 1), got ${args.validationSplit}`);
    }
  } catch (e) {
    nb.dispose(owned);
    throw e;
  }
  const nTrain = trainX.shape[0];
  if (nTrain === 0) {
    nb.dispose(owned);
    throw new nb.NablaError('fit: there are no training samples');
  }

  const history = new History();
  const verbose = args.verbose ?? 1;
  // As in Keras: the progress logger first, History last, so it records what callbacks add (lr).
  const callbacks = new CallbackList([...(verbose > 0 ? [new ProgbarLogger()] : []), ...toCallbacks(args.callbacks), history]);
  const steps = Math.ceil(nTrain / batchSize);
  for (const c of callbacks.callbacks) {
    c.setModel(model);
    c.setParams({ epochs, steps, samples: nTrain, batchSize, verbose });
  }

  const trainable = model.trainableWeights;
  const frozen = model.nonTrainableWeights;
  ensureSlots(compiled, toParams(trainable));
  const step = cachedStep(compiled, 'train', () => trainStep(model, stepSpec(compiled), compiled.optimizer));
  const names = statNames(compiled);
  const random = seededRandom(args.seed ?? 1337);
  const fitSeed = Math.floor(random() * 2 ** 31);
  const scalarNames = compiled.optimizer.stepScalarNames(); // their order in perStep rows

  // Reading a step's loss and metrics costs an await. Keras 3 reads them only for callbacks that
  // look at batches; so does this loop, reading the others' in groups, for the epoch's logs.
  const batchLogs = callbacks.callbacks.some((c) => c.onBatchEnd !== Callback.prototype.onBatchEnd);
  const unread: { stats: nb.Tensor; size: number }[] = [];
  const readUnread = async (totals: Totals) => {
    const values = await Promise.all(unread.map((u) => u.stats.data()));
    unread.forEach(({ stats, size }, j) => {
      for (let k = 0; k < stats.shape[0]; k++) totals.add(values[j], k, size);
      stats.dispose();
    });
    unread.length = 0;
  };

  model.stopTraining = false;
  await callbacks.call('onTrainBegin', {});
  try {
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await callbacks.call('onEpochBegin', epoch, {});
      const totals = new Totals(names, compiled.weightedMetrics.length, trainW !== null);
      const order = epochOrder(nTrain, args.shuffle ?? true, random);
      const all = batches(order, batchSize);
      for (let batch = 0; batch < all.length && !model.stopTraining; ) {
        // Up to stepsPerExecution full batches run in one execution; the last, smaller batch alone.
        const size = all[batch].length;
        let count = 1;
        while (count < compiled.stepsPerExecution && batch + count < all.length && all[batch + count].length === size) count++;
        for (let k = 0; k < count; k++) {
          const pending = callbacks.call('onBatchBegin', batch + k, { batch: batch + k, size });
          if (pending) await pending;
        }
        const inputs: TrainInputs = {
          trainable: toParams(trainable),
          frozen: toParams(frozen),
          slots: compiled.slots as Slots,
          x: trainX,
          y: trainY,
          sampleWeight: trainW ? [trainW] : [],
          perStep: perStepRows(all.slice(batch, batch + count), compiled, scalarNames, fitSeed),
        };
        const out: TrainOutputs = await step(inputs);
        inputs.perStep.dispose();
        for (const w of trainable) w.assign(nb.keep(out.trainable[w.name]));
        nb.dispose(compiled.slots as Slots);
        compiled.slots = nb.keep(out.slots);
        compiled.iterations += count;
        if (batchLogs) {
          const stats = await out.stats.data();
          out.stats.dispose();
          for (let k = 0; k < count; k++) {
            totals.add(stats, k, size);
            const pending = callbacks.call('onBatchEnd', batch + k, totals.means());
            if (pending) await pending;
          }
        } else {
          unread.push({ stats: out.stats, size });
          if (unread.length >= UNREAD_LIMIT) await readUnread(totals);
        }
        batch += count;
      }
      await readUnread(totals);
      const logs = totals.means();
      if (val && !model.stopTraining) {
        const v = await evaluate(model, val[0], val[1], batchSize, val[2]);
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      await callbacks.call('onEpochEnd', epoch, logs);
    }
  } finally {
    await callbacks.call('onTrainEnd', {});
    nb.dispose(owned);
    nb.dispose(unread.map((u) => u.stats)); // left by an error mid-epoch
  }
  return history;
}

/** compile()'s settings as the compiled steps take them. */
function stepSpec(compiled: Compiled): StepSpec {
  return {
    loss: compiled.loss.fn,
    metrics: compiled.metrics.map((m) => m.fn),
    weightedMetrics: compiled.weightedMetrics.map((m) => m.fn),
  };
}

/** The logged names of a stats row's columns. */
function statNames(compiled: Compiled): string[] {
  return ['loss', ...compiled.metrics.map((m) => m.name), ...compiled.weightedMetrics.map((m) => m.name)];
}

/**
 * Mean loss and metrics over the data: the loss and plain metrics weighted by batch size,
 * weighted metrics by the sum of the sample weights.
 */
export async function evaluate(
  model: Sequential,
  x: nb.Tensor,
  y: nb.Tensor,
  batchSize: number,
  weights: nb.Tensor | null = null,
): Promise<Record<string, number>> {
  const compiled = model.requireCompiled('evaluate');
  const n = checkSamples('evaluate', x, y);
  model.checkInput('evaluate', x);
  if (n === 0) throw new nb.NablaError('evaluate: there are no samples');
  const step = cachedStep(compiled, 'eval', () => evalStep(model, stepSpec(compiled)));
  const totals = new Totals(statNames(compiled), compiled.weightedMetrics.length, weights !== null);
  for (const idx of batches(epochOrder(n, false, Math.random), batchSize)) {
    const inputs: EvalInputs = {
      params: toParams(model.weights),
      x,
      y,
      sampleWeight: weights ? [weights] : [],
      indices: nb.tensor(idx, [idx.length], 'int32'),
    };
    const stats = await step(inputs);
    totals.add(await stats.data(), 0, idx.length);
    nb.dispose([stats, inputs.indices]);
  }
  return totals.means();
}
