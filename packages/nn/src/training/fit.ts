import * as nb from '@nabla/core';
import { type Callback, CallbackList, type CustomCallbackArgs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progress.js';
import { type DataSource, isDataSource } from '../data/source.js';
import { type Distributed, isDistributed } from '../distributed/distributed.js';
import { Collectives } from '../distributed/sync.js';
import type { AnyModel, ModelData } from '../models/model.js';
import { type Layout, PLAIN } from '../models/packing.js';
import type { Slots } from '../optimizers/optimizer.js';
import { checkConfig } from '../options.js';
import { type ClassWeight, classWeights, resolveSampleWeight } from './class-weight.js';
import { checkSamples, epochOrder, seededRandom } from './data.js';
import { ArrayFeed, DataFeed, type Feed } from './feed.js';
import { checkClassLabels, inBatch } from './labels.js';
import { cachedStep, ensureSlots, perStepInputs, statNames, stepSpec, Totals, toCallbacks, toParams, UNREAD_LIMIT } from './loop.js';
import { parallelLoop } from './parallel.js';
import { type EvalInputs, evalStep, type PerStep, stepScalarDtype, type TrainInputs, type TrainOutputs, trainStep } from './steps.js';
import { abortError, isSignal, Yielder } from './yield.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seeds shuffling and dropout; fixed by default so that a run is reproducible. */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] or, as Keras, [x, y, sampleWeight]; or a dataset or generator of batches (see validationSteps). */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, nb.TensorLike] | DataSource;
  /**
   * Stops training between steps when aborted: the running step completes (the weights are
   * those of the last completed step) and fit rejects with a NablaError named 'AbortError'.
   * `model.stopTraining = true` (from a callback) instead ends fit normally after the batch.
   */
  signal?: AbortSignal;
  /**
   * Training from a dataset or generator: batches per epoch, read on from where the last epoch
   * stopped (a dataset repeats when it runs out). Default: one whole pass of the data per epoch.
   */
  stepsPerEpoch?: number;
  /** Validation from a dataset or generator: batches per evaluation (default: a whole pass). */
  validationSteps?: number;
  /** Callback objects, or hooks as plain functions (TensorFlow.js's `{ onEpochEnd(epoch, logs) {} }`). */
  callbacks?: Callback | CustomCallbackArgs | (Callback | CustomCallbackArgs)[];
  /** 0 silent, 1 progress bar (one line per epoch when not on a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /**
   * The epoch to start at (Keras's initial_epoch), resuming a run: epochs count from it, and
   * with x and y as tensors or arrays each epoch's shuffle is the one it had in the run from
   * epoch 0 (same seed), so a model saved after epoch k, loaded (with its optimizer state) and fit
   * with `initialEpoch: k` continues that run.
   */
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
  /**
   * Data-parallel training: this process is one rank of a job (a Distributed from
   * @nabla/distributed's launcher, or `localGroup` in one process). Every rank calls fit with the
   * same model, data and options; `batchSize` is the global batch, which each rank splits (the
   * same shuffle everywhere, each rank its contiguous shard: the first batchSize % worldSize
   * ranks one sample more). Rank 0's weights and optimizer state are broadcast first; each step
   * sums the shards' gradients, BatchNormalization statistics, loss and metrics in one all-reduce,
   * weighted by their samples, so the update is the global batch's. Rank 0 alone runs the
   * callbacks that write (Callback.rankZeroOnly); every rank gets the same logs. x and y as
   * tensors or arrays, float32 weights, stepsPerExecution 1.
   */
  distributed?: Distributed;
  /**
   * Gradient accumulation: one optimizer update per this many consecutive batches (default 1),
   * from the mean gradient over their samples, the update fit with `batchSize` times as many
   * would make; batch callbacks still run per batch. With or without `distributed`; x and y as
   * tensors or arrays, stepsPerExecution 1.
   */
  accumulateSteps?: number;
}

/** fit's options, checked: an unknown key (Keras's batch_size, steps_per_epoch) is an error naming the valid ones. */
const FIT_OPTIONS: nb.OptionSchema = {
  epochs: nb.is.positiveInteger,
  batchSize: nb.is.positiveInteger,
  shuffle: nb.is.boolean,
  seed: nb.is.integer,
  validationSplit: nb.is.number,
  validationData: (v) =>
    (Array.isArray(v) && (v.length === 2 || v.length === 3)) || isDataSource(v)
      ? undefined
      : 'a list [x, y] or [x, y, sampleWeight], or a dataset or generator of batches',
  callbacks: (v) => (typeof v === 'object' && v !== null ? undefined : 'a Callback, a list of them, or an object of hooks'),
  verbose: nb.is.oneOf(0, 1, 2),
  initialEpoch: nb.is.nonNegativeInteger,
  sampleWeight: nb.is.any,
  classWeight: nb.is.object,
  signal: isSignal,
  stepsPerEpoch: nb.is.positiveInteger,
  validationSteps: nb.is.positiveInteger,
  distributed: isDistributed,
  accumulateSteps: nb.is.positiveInteger,
};

export interface EvaluateArgs {
  batchSize?: number;
  /** 1 or 2 print the results on one line, as Keras ends an evaluation; 0 (the default) prints nothing. */
  verbose?: 0 | 1 | 2;
  /** A weight per sample, as in fit. */
  sampleWeight?: nb.TensorLike;
  /** Stops between batches when aborted: evaluate rejects with a NablaError named 'AbortError'. */
  signal?: AbortSignal;
  /** Evaluating a dataset or generator: how many batches (default: a whole pass). */
  steps?: number;
}

export const EVALUATE_OPTIONS: nb.OptionSchema = {
  batchSize: nb.is.positiveInteger,
  verbose: nb.is.oneOf(0, 1, 2),
  sampleWeight: nb.is.any,
  signal: isSignal,
  steps: nb.is.positiveInteger,
};

/** Keras's names, for the options that have no meaning with a dataset (Keras rejects them too). */
const ARRAY_ONLY = ['batchSize', 'shuffle', 'validationSplit', 'sampleWeight', 'classWeight'] as const;

/** What fit trains on: tensors in memory, or a source of batches. */
export type TrainData = { x: nb.Tensor; y: nb.Tensor; layout?: Layout; check?: () => Promise<void> } | { source: DataSource };

/** How a run (fit, evaluate) stops and shares the process. */
interface RunControl {
  signal?: AbortSignal;
  yielder: Yielder;
  /** The backend the run started on, where the model and its data live. */
  backend: string;
}

/**
 * A run makes tensors of its own (batch indices, step scalars) on the default backend, so the
 * default must be where the model and the data live: a mismatch is an error naming both, not
 * 'operands live on different backends' from deep inside a step. Returns that backend.
 */
function runBackend(method: string, model: AnyModel, data: nb.Tensor[]): string {
  const current = nb.getBackend();
  const elsewhere = [...model.weights.map((w) => w.value), ...data].find((t) => t.backend !== current);
  if (elsewhere) {
    throw new nb.NablaError(
      `${method}: the model and its data live on backend '${elsewhere.backend}' but the default backend is '${current}'; ` +
        `call nb.setBackend('${elsewhere.backend}') first`,
    );
  }
  return current;
}

/** After each step: stop if aborted or if the default backend changed, hand the event loop back if the step ran long enough. */
function afterStep(method: string, control: RunControl, where: () => string): Promise<void> | undefined {
  if (control.signal?.aborted) throw abortError(method, control.signal, where());
  const now = nb.getBackend();
  if (now !== control.backend) {
    throw new nb.NablaError(
      `${method}: the default backend changed from '${control.backend}' to '${now}' while it ran (${where()}); ` +
        'the weights are those of the last step; switch back, or change backends between runs',
    );
  }
  return control.yielder.maybeYield();
}

/** Keras's training loop over a compiled model, on tensors or on a dataset. */
export async function fit(model: AnyModel, data: TrainData, given: FitArgs | undefined): Promise<History> {
  const args = checkConfig('fit', given, FIT_OPTIONS);
  if (args.distributed === undefined) return fitChecked(model, data, args);
  const peers = new Collectives(args.distributed);
  try {
    return await fitChecked(model, data, args);
  } catch (e) {
    // The other ranks wait in a collective for this one: they are told it gave up.
    peers.failed(e);
    throw e;
  }
}

async function fitChecked(model: AnyModel, data: TrainData, args: FitArgs): Promise<History> {
  model.requireCompiled('fit');
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  const signal = args.signal;
  if (signal?.aborted) throw abortError('fit', signal, 'before it started');
  const random = seededRandom(args.seed ?? 1337);
  const fitSeed = Math.floor(random() * 2 ** 31);
  const backend = runBackend('fit', model, 'source' in data ? [] : [data.x, data.y]);
  // Taken before the first await: of two runs started together, the one called second is refused.
  model.runLock.enter('fit');

  // Tensors fit made (converted or split data, weights): freed when fit ends, or fails before training.
  const owned: nb.Tensor[] = [];
  let train: Feed | undefined;
  let val: Feed | null = null;
  try {
    if ('source' in data) {
      for (const key of ARRAY_ONLY) {
        if (args[key] !== undefined) throw new nb.NablaError(`fit: ${key} applies to x and y given as tensors or arrays, not to a dataset`);
      }
      train = new DataFeed('fit', data.source, {
        steps: args.stepsPerEpoch,
        continueAcross: true,
        checkInput: (x) => model.checkInput('fit', x),
      });
      if (args.validationData !== undefined) val = await validationFeed(model, args, owned, true);
    } else {
      if (args.stepsPerEpoch !== undefined) {
        throw new nb.NablaError(
          'fit: stepsPerEpoch applies to a dataset or generator; with x and y, an epoch is every sample (set batchSize)',
        );
      }
      const layout = data.layout ?? PLAIN;
      if (data.check) await data.check();
      const prepared = await prepareArrays(model, data.x, data.y, args, owned, layout);
      const feed = new ArrayFeed(prepared.x, prepared.y, prepared.w, args.batchSize ?? 32, args.shuffle ?? true, random, layout);
      train = feed;
      val = prepared.val;
      // The shuffles of the epochs before initialEpoch are drawn and dropped, so that a resumed
      // run's epochs take the orders the uninterrupted run gave them (both loops draw from `random`).
      for (let e = 0; e < initialEpoch && feed.shuffle; e++) epochOrder(feed.samples, true, random);
    }
    if (val === null && args.validationSteps !== undefined) {
      throw new nb.NablaError('fit: validationSteps applies to validationData given as a dataset or generator');
    }
  } catch (e) {
    model.runLock.exit();
    nb.dispose(owned);
    await Promise.all([train?.close(), val?.close()]);
    throw e;
  }
  try {
    const control = { signal, yielder: new Yielder(), backend };
    if (args.distributed !== undefined || (args.accumulateSteps ?? 1) > 1) {
      return await parallelLoop(model, train, val, args, {
        epochs,
        initialEpoch,
        fitSeed,
        random,
        seed: args.seed ?? 1337,
        ...control,
        evaluate: (feed) => evaluateFeed(model, feed, control, 'fit (validation)'),
      });
    }
    return await trainLoop(model, train, val, args, { epochs, initialEpoch, fitSeed, control });
  } finally {
    model.runLock.exit();
    nb.dispose(owned);
    await Promise.all([train.close(), val?.close()]);
  }
}

/**
 * validationData as a feed: a dataset or generator, or tensors checked as fit's own (those
 * converted here are fit's to dispose). Validation sample weights come with x and y given as
 * tensors only (`fromDataset` is false).
 */
async function validationFeed(model: AnyModel, args: FitArgs, owned: nb.Tensor[], fromDataset: boolean): Promise<Feed> {
  const given = args.validationData;
  if (isDataSource(given)) {
    return new DataFeed('fit (validationData)', given, {
      steps: args.validationSteps,
      continueAcross: false,
      checkInput: (x) => model.checkInput('fit (validationData)', x),
    });
  }
  const [xGiven, yGiven, wGiven] = given as [ModelData, ModelData, nb.TensorLike?];
  if (wGiven !== undefined && fromDataset)
    throw new nb.NablaError('fit: validation sample weights apply to x and y given as tensors, not to a dataset');
  const data = model.packData('fit (validationData)', xGiven, yGiven);
  const [vx, vy] = [data.x, data.y];
  const givenTensors = [xGiven, yGiven].flatMap((g) => (g instanceof nb.Tensor ? [g] : Array.isArray(g) ? g : Object.values(g as object)));
  if (!givenTensors.includes(vx)) owned.push(vx);
  if (!givenTensors.includes(vy)) owned.push(vy);
  if (data.check) await data.check();
  if (data.layout.x === null) model.checkInput('fit (validationData)', vx);
  const checking = data.layout.y === null ? checkClassLabels('fit (validationData)', model, vy) : undefined;
  if (checking) await checking;
  const vw = wGiven === undefined ? null : await resolveSampleWeight('fit (validationData)', wGiven, vx.shape[0]);
  if (vw) owned.push(vw);
  return new ArrayFeed(vx, vy, vw, args.batchSize ?? 32, false, Math.random, data.layout);
}

/**
 * x and y in memory: sample or class weights resolved, validation data given or split off. The
 * tensors made here go on `owned`, which fit frees (also when this throws).
 */
async function prepareArrays(
  model: AnyModel,
  x: nb.Tensor,
  y: nb.Tensor,
  args: FitArgs,
  owned: nb.Tensor[],
  layout: Layout,
): Promise<{ x: nb.Tensor; y: nb.Tensor; w: nb.Tensor | null; val: Feed | null }> {
  const batchSize = args.batchSize ?? 32;
  const n = checkSamples('fit', x, y);
  // Packed inputs and targets were checked one by one when they were packed (Model.packData).
  if (layout.x === null) model.checkInput('fit', x);
  // Before any split: a bad label is named by its position in the y the user gave.
  const checking = layout.y === null ? checkClassLabels('fit', model, y) : undefined;
  if (checking) await checking;
  if (args.sampleWeight !== undefined && args.classWeight !== undefined) {
    throw new nb.NablaError('fit: give sampleWeight or classWeight, not both (as Keras)');
  }
  if (args.classWeight !== undefined && layout.y !== null) {
    throw new nb.NablaError('fit: classWeight applies to a model of one output (as Keras); give sampleWeight');
  }
  // Per-sample weights, [n] float32, or null: given, or each sample's class weight.
  let weights: nb.Tensor | null = null;
  if (args.sampleWeight !== undefined) weights = await resolveSampleWeight('fit', args.sampleWeight, n);
  else if (args.classWeight !== undefined) weights = await classWeights(args.classWeight, y, model.outputShape);
  if (weights) owned.push(weights);

  // Validation data: given, or split from the end.
  let trainX = x;
  let trainY = y;
  let trainW = weights;
  let val: Feed | null = null;
  if (args.validationData) {
    val = await validationFeed(model, args, owned, false);
  } else if (args.validationSplit !== undefined) {
    const split = args.validationSplit;
    if (!(split >= 0 && split < 1)) throw new nb.NablaError(`fit: validationSplit must be in [0, 1), got ${split}`);
    if (split > 0) {
      const nTrain = Math.floor(n * (1 - split));
      if (nTrain === 0 || nTrain === n) throw new nb.NablaError(`fit: validationSplit ${split} of ${n} samples leaves an empty part`);
      const rows = (t: nb.Tensor, from: number, size: number) => nb.slice(t, [from], [size]);
      [trainX, trainY] = [rows(x, 0, nTrain), rows(y, 0, nTrain)];
      // Sample weights split with their samples (class weights apply to training only, as in Keras).
      trainW = weights && rows(weights, 0, nTrain);
      const valW = weights && args.sampleWeight !== undefined ? rows(weights, nTrain, n - nTrain) : null;
      const [vx, vy] = [rows(x, nTrain, n - nTrain), rows(y, nTrain, n - nTrain)];
      owned.push(trainX, trainY, vx, vy, ...(trainW ? [trainW] : []), ...(valW ? [valW] : []));
      val = new ArrayFeed(vx, vy, valW, batchSize, false, Math.random, layout);
    }
  }
  if (trainX.shape[0] === 0) throw new nb.NablaError('fit: there are no training samples');
  return { x: trainX, y: trainY, w: trainW, val };
}

interface LoopSettings {
  epochs: number;
  initialEpoch: number;
  fitSeed: number;
  control: RunControl;
}

/** The epochs: steps, callbacks, logs, validation; yielding to the event loop as it goes. */
async function trainLoop(model: AnyModel, train: Feed, val: Feed | null, args: FitArgs, s: LoopSettings): Promise<History> {
  const compiled = model.requireCompiled('fit');
  const { epochs, initialEpoch, fitSeed, control } = s;
  const history = new History();
  const verbose = args.verbose ?? 1;
  // As in Keras: the progress logger first, History last, so it records what callbacks add (lr).
  const list = new CallbackList([...(verbose > 0 ? [new ProgbarLogger()] : []), ...toCallbacks(args.callbacks), history]);
  for (const c of list.callbacks) {
    c.setModel(model);
    c.setParams({
      epochs,
      steps: train.steps ?? Number.NaN,
      samples: train.samples ?? Number.NaN,
      batchSize: args.batchSize ?? Number.NaN,
      verbose,
      rank: 0,
      worldSize: 1,
    });
  }
  // Hooks run with the model at rest: they may evaluate, save or set weights (see RunLock).
  const lock = model.runLock;
  const hook = (call: () => Promise<void> | undefined) => lock.hook(call);

  const trainable = model.trainableWeights;
  const frozen = model.nonTrainableWeights;
  ensureSlots(compiled, toParams(trainable));
  const step = cachedStep(compiled, `train:${train.layout.key}`, () =>
    trainStep(model, stepSpec(compiled), compiled.optimizer, train.layout),
  );
  const names = statNames(compiled);
  const scalarNames = compiled.optimizer.stepScalarNames(); // their order in perStep rows

  // Reading a step's loss and metrics costs an await. Keras 3 reads them only for callbacks that
  // look at batches; so does this loop, reading the others' in groups, for the epoch's logs.
  const batchLogs = list.callbacks.some((c) => c.handles('onBatchEnd'));
  const batchBegins = list.callbacks.some((c) => c.handles('onBatchBegin'));
  const unread: { stats: nb.Tensor; size: number }[] = [];
  const readUnread = async (totals: Totals) => {
    const values = await Promise.all(unread.map((u) => u.stats.data()));
    unread.forEach(({ stats, size }, j) => {
      for (let k = 0; k < stats.shape[0]; k++) totals.add(values[j], k, size);
      stats.dispose();
    });
    unread.length = 0;
  };

  let epochNow = initialEpoch;
  let batchNow = 0;
  const where = () => `in epoch ${epochNow + 1}, after batch ${batchNow}; the weights are those of the last completed step`;
  model.stopTraining = false;
  await hook(() => list.call('onTrainBegin', {}));
  try {
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      epochNow = epoch;
      batchNow = 0;
      await hook(() => list.call('onEpochBegin', epoch, {}));
      let totals: Totals | null = null;
      const started = train.startEpoch(epoch === epochs - 1);
      if (started) await started;
      for (let batch = 0; !model.stopTraining; ) {
        const got = train.next(compiled.stepsPerExecution);
        const chunk = got instanceof Promise ? await got : got;
        if (chunk === null) break;
        totals ??= new Totals(names, compiled.weightedMetrics.length, chunk.w !== null);
        const count = chunk.groups.length;
        const size = chunk.groups[0].length;
        let out: TrainOutputs;
        let perStep: PerStep | undefined;
        try {
          for (let k = 0; batchBegins && k < count; k++) {
            const pending = hook(() => list.call('onBatchBegin', batch + k, { batch: batch + k, size }));
            if (pending) await pending;
          }
          // Per execution: a callback may have set weights of another dtype.
          const scalarDtype = stepScalarDtype(trainable.map((w) => w.value));
          perStep = perStepInputs(chunk.groups, compiled, scalarNames, scalarDtype, fitSeed);
          const inputs: TrainInputs = {
            trainable: toParams(trainable),
            frozen: toParams(frozen),
            slots: compiled.slots as Slots,
            x: chunk.x,
            y: chunk.y,
            sampleWeight: chunk.w ? [chunk.w] : [],
            perStep,
          };
          try {
            const running = step(inputs);
            // The next batch is read (and its tensors made) while this step runs.
            train.prefetch();
            out = await running;
          } catch (e) {
            // A dataset's batch is the user's: the position a step's index error names is in it.
            throw train instanceof DataFeed ? inBatch(e, 'fit', batch, count, epoch) : e;
          }
        } finally {
          if (perStep) nb.dispose(perStep);
          chunk.release();
        }
        for (const w of trainable) w.assign(nb.keep(out.trainable[w.name]));
        for (const w of frozen) if (w.name in out.state) w.assign(nb.keep(out.state[w.name]));
        nb.dispose(compiled.slots as Slots);
        compiled.slots = nb.keep(out.slots);
        compiled.iterations += count;
        batchNow = batch + count;
        if (batchLogs) {
          const stats = await out.stats.data();
          out.stats.dispose();
          for (let k = 0; k < count; k++) {
            totals.add(stats, k, size);
            const pending = hook(() => list.call('onBatchEnd', batch + k, (totals as Totals).means()));
            if (pending) await pending;
          }
        } else {
          unread.push({ stats: out.stats, size });
          if (unread.length >= UNREAD_LIMIT) await readUnread(totals);
        }
        batch += count;
        const paused = afterStep('fit', control, where);
        if (paused) await paused;
      }
      totals ??= new Totals(names, compiled.weightedMetrics.length, false);
      await readUnread(totals);
      const logs = totals.means();
      if (val && !model.stopTraining) {
        const v = await evaluateFeed(model, val, control, 'fit (validation)');
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      await hook(() => list.call('onEpochEnd', epoch, logs));
    }
  } finally {
    nb.dispose(unread.map((u) => u.stats)); // left by an error mid-epoch
    await hook(() => list.call('onTrainEnd', {}));
  }
  return history;
}

/** What evaluate runs over: tensors in memory (with per-sample weights), or a source of batches. */
export type EvalData =
  | { x: nb.Tensor; y: nb.Tensor; weights: nb.Tensor | null; batchSize: number; layout: Layout; check?: () => Promise<void> }
  | { source: DataSource; steps?: number };

/**
 * Mean loss and metrics over the data: the loss and plain metrics weighted by batch size,
 * weighted metrics by the sum of the sample weights.
 */
export async function evaluate(model: AnyModel, data: EvalData, signal?: AbortSignal): Promise<Record<string, number>> {
  model.requireCompiled('evaluate');
  if (signal?.aborted) throw abortError('evaluate', signal, 'before it started');
  const backend = runBackend('evaluate', model, 'source' in data ? [] : [data.x, data.y]);
  let feed: Feed;
  if ('source' in data) {
    feed = new DataFeed('evaluate', data.source, {
      steps: data.steps,
      continueAcross: false,
      checkInput: (x) => model.checkInput('evaluate', x),
    });
  } else {
    const n = checkSamples('evaluate', data.x, data.y);
    if (data.layout.x === null) model.checkInput('evaluate', data.x);
    if (n === 0) throw new nb.NablaError('evaluate: there are no samples');
    feed = new ArrayFeed(data.x, data.y, data.weights, data.batchSize, false, Math.random, data.layout);
  }
  // From a fit callback, evaluate runs while fit waits; otherwise alone (see RunLock).
  const leave = model.runLock.join('evaluate');
  try {
    // Inside the lock: called from a fit callback and not awaited, evaluate still joins at once.
    if (!('source' in data) && data.check) await data.check();
    const checking = 'source' in data || data.layout.y !== null ? undefined : checkClassLabels('evaluate', model, data.y);
    if (checking) await checking;
    return await evaluateFeed(model, feed, { signal, yielder: new Yielder(), backend }, 'evaluate');
  } finally {
    leave();
    await feed.close();
  }
}

/** One pass of evaluation over a feed (fit's validation, evaluate). */
async function evaluateFeed(model: AnyModel, feed: Feed, control: RunControl, method: string): Promise<Record<string, number>> {
  const compiled = model.requireCompiled(method);
  const step = cachedStep(compiled, `eval:${feed.layout.key}`, () => evalStep(model, stepSpec(compiled), feed.layout));
  let totals: Totals | null = null;
  let done = 0;
  const started = feed.startEpoch(true);
  if (started) await started;
  for (;;) {
    const got = feed.next(1);
    const chunk = got instanceof Promise ? await got : got;
    if (chunk === null) break;
    totals ??= new Totals(statNames(compiled), compiled.weightedMetrics.length, chunk.w !== null);
    const idx = chunk.groups[0];
    let stats: nb.Tensor;
    const indices = nb.tensor(idx, [idx.length], 'int32');
    try {
      const running = step({
        params: toParams(model.weights),
        x: chunk.x,
        y: chunk.y,
        sampleWeight: chunk.w ? [chunk.w] : [],
        indices,
      } as EvalInputs);
      feed.prefetch();
      stats = await running;
    } catch (e) {
      throw feed instanceof DataFeed ? inBatch(e, method, done, 1) : e;
    } finally {
      indices.dispose();
      chunk.release();
    }
    totals.add(await stats.data(), 0, idx.length);
    stats.dispose();
    done++;
    const paused = afterStep(method, control, () => `after batch ${done}`);
    if (paused) await paused;
  }
  return (totals ?? new Totals(statNames(compiled), compiled.weightedMetrics.length, false)).means();
}
