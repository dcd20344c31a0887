import * as nb from '@nabla/core';
import { Callback, CallbackList, type Logs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progress.js';
import type { Compiled, Sequential } from '../models/sequential.js';
import type { Slots } from '../optimizers/optimizer.js';
import { asTensor, batches, checkSamples, epochOrder, seededRandom } from './data.js';
import { type EvalInputs, evalStep, type Params, type TrainInputs, type TrainOutputs, trainStep } from './steps.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seeds shuffling and dropout; fixed by default so that a run is reproducible. */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  validationData?: [nb.TensorLike, nb.TensorLike];
  callbacks?: Callback[];
  /** 0 silent, 1 progress bar (one line per epoch when not on a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  initialEpoch?: number;
}

function positiveInt(method: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new nb.NablaError(`${method}: ${name} must be a positive integer, got ${v}`);
  return v;
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

/** Running, batch-size-weighted sums of the loss and metrics over an epoch. */
class Totals {
  private readonly sums: Float64Array;
  private seen = 0;

  constructor(private readonly names: string[]) {
    this.sums = new Float64Array(names.length);
  }

  /** Adds row `row` of an execution's stats ([steps, names]), a batch of `size` samples. */
  add(stats: ArrayLike<number>, row: number, size: number): void {
    for (let i = 0; i < this.names.length; i++) this.sums[i] += stats[row * this.names.length + i] * size;
    this.seen += size;
  }

  /** The means so far, as logs. */
  means(): Logs {
    const logs: Logs = {};
    this.names.forEach((name, i) => {
      logs[name] = this.sums[i] / Math.max(this.seen, 1);
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
export async function fit(model: Sequential, x: nb.Tensor, y: nb.Tensor, args: FitArgs): Promise<History> {
  const compiled = model.requireCompiled('fit');
  const epochs = positiveInt('fit', 'epochs', args.epochs ?? 1);
  const batchSize = positiveInt('fit', 'batchSize', args.batchSize ?? 32);
  const initialEpoch = args.initialEpoch ?? 0;
  const n = checkSamples('fit', x, y);
  model.checkInput('fit', x);

  // Validation data: given, or split from the end.
  let trainX = x;
  let trainY = y;
  let val: [nb.Tensor, nb.Tensor] | null = null;
  const owned: nb.Tensor[] = [];
  if (args.validationData) {
    const [vxGiven, vyGiven] = args.validationData;
    const [vx, vy] = [asTensor('fit', 'validationData', vxGiven), asTensor('fit', 'validationData', vyGiven)];
    // Arrays were converted here: those tensors are fit's to dispose.
    if (vx !== vxGiven) owned.push(vx);
    if (vy !== vyGiven) owned.push(vy);
    checkSamples('fit (validationData)', vx, vy);
    model.checkInput('fit (validationData)', vx);
    val = [vx, vy];
  } else if (args.validationSplit !== undefined && args.validationSplit > 0) {
    const split = args.validationSplit;
    if (!(split < 1)) throw new nb.NablaError(`fit: validationSplit must be in [0, 1), got ${split}`);
    const nTrain = Math.floor(n * (1 - split));
    if (nTrain === 0 || nTrain === n) throw new nb.NablaError(`fit: validationSplit ${split} of ${n} samples leaves an empty part`);
    [trainX, trainY] = [nb.slice(x, [0], [nTrain]), nb.slice(y, [0], [nTrain])];
    val = [nb.slice(x, [nTrain], [n - nTrain]), nb.slice(y, [nTrain], [n - nTrain])];
    owned.push(trainX, trainY, ...val);
  }
  const nTrain = trainX.shape[0];
  if (nTrain === 0) throw new nb.NablaError('fit: there are no training samples');

  const history = new History();
  const verbose = args.verbose ?? 1;
  // As in Keras: the progress logger first, History last, so it records what callbacks add (lr).
  const callbacks = new CallbackList([...(verbose > 0 ? [new ProgbarLogger()] : []), ...(args.callbacks ?? []), history]);
  const steps = Math.ceil(nTrain / batchSize);
  for (const c of callbacks.callbacks) {
    c.setModel(model);
    c.setParams({ epochs, steps, samples: nTrain, batchSize, verbose });
  }

  const trainable = model.trainableWeights;
  const frozen = model.weights.filter((w) => !w.trainable);
  ensureSlots(compiled, toParams(trainable));
  const step = cachedStep(compiled, 'train', () =>
    trainStep(
      model,
      compiled.loss.fn,
      compiled.metrics.map((m) => m.fn),
      compiled.optimizer,
    ),
  );
  const names = ['loss', ...compiled.metrics.map((m) => m.name)];
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
      const totals = new Totals(names);
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
        const v = await evaluate(model, val[0], val[1], batchSize);
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

/** Mean loss and metrics over the data, weighted by batch size. */
export async function evaluate(model: Sequential, x: nb.Tensor, y: nb.Tensor, batchSize: number): Promise<Record<string, number>> {
  const compiled = model.requireCompiled('evaluate');
  positiveInt('evaluate', 'batchSize', batchSize);
  const n = checkSamples('evaluate', x, y);
  model.checkInput('evaluate', x);
  if (n === 0) throw new nb.NablaError('evaluate: there are no samples');
  const step = cachedStep(compiled, 'eval', () =>
    evalStep(
      model,
      compiled.loss.fn,
      compiled.metrics.map((m) => m.fn),
    ),
  );
  const totals = new Totals(['loss', ...compiled.metrics.map((m) => m.name)]);
  for (const idx of batches(epochOrder(n, false, Math.random), batchSize)) {
    const inputs: EvalInputs = { params: toParams(model.weights), x, y, indices: nb.tensor(idx, [idx.length], 'int32') };
    const stats = await step(inputs);
    totals.add(await stats.data(), 0, idx.length);
    nb.dispose([stats, inputs.indices]);
  }
  return totals.means();
}
