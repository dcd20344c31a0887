import * as nb from '@nabla/core';
import { type Callback, CallbackList, type Logs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgbarLogger } from '../callbacks/progress.js';
import { broadcastState, Collectives, float64Words, handshake, hash32 } from '../distributed/sync.js';
import type { AnyModel, Compiled } from '../models/model.js';
import type { Slots } from '../optimizers/optimizer.js';
import { batches, epochOrder } from './data.js';
import { ArrayFeed, type Feed } from './feed.js';
import type { FitArgs } from './fit.js';
import { cachedStep, ensureSlots, statNames, stepSpec, Totals, toCallbacks, toParams } from './loop.js';
import { ShardData, shardOf } from './shards.js';
import { type GradientStep, type GradLayout, gradientStep, updateStep } from './split-steps.js';
import { type EvalInputs, evalStep, stepScalarDtype } from './steps.js';
import { abortError, type Yielder } from './yield.js';

/**
 * fit with the step split in two (split-steps.ts): data-parallel training (`distributed`) and
 * gradient accumulation (`accumulateSteps`), alone or together. The fused single-process loop
 * (fit.ts) is untouched by it.
 *
 * An update covers `accumulateSteps` consecutive global batches of `batchSize` samples (fewer at
 * an epoch's end); each rank runs the gradient phase on its shard of each (shards.ts) and adds
 * what it returns, weighted by the shard's share of the update's samples, into one packed
 * buffer: the gradients, the new state (BatchNormalization's moving statistics), each batch's
 * stats row (loss and metrics, weighted by the shard's share of that batch: its samples, or its
 * sample weights for weighted metrics), and two flags (a stop asked for, a signal aborted). One
 * all-reduce sums the buffers; every rank then holds the update's mean gradient, exactly as one
 * process training on the update's samples defines it (float32 sums in another order aside), the
 * same logs, and the same flags, and runs the update phase with them. Ranks stay in step because
 * every decision is taken on reduced values: the same number of updates and collectives on every
 * rank, whatever a rank's callbacks do.
 */

/** What the loop needs of fit's run: see fit.ts. */
export interface ParallelSettings {
  epochs: number;
  initialEpoch: number;
  fitSeed: number;
  /** fit's seeded generator: epoch orders are drawn from it, as the single-process loop draws them. */
  random: () => number;
  seed: number;
  signal?: AbortSignal;
  yielder: Yielder;
  backend: string;
  /** Validation as the single-process fit runs it (used without `distributed`). */
  evaluate: (feed: Feed) => Promise<Logs>;
}

/**
 * The host buffers of an update, kept from one update to the next: a model's gradients are
 * megabytes, and a new pair per step would be that much garbage per step. Read only between a
 * reduce and the next update (what the steps take from them is copied).
 */
class Buffers {
  private acc = new Float64Array(0);
  private readonly byLength = new Map<number, Float32Array | Float64Array>();

  constructor(private readonly dtype: nb.DType) {}

  /** The float64 sum of an update's weighted gradients and state, `fresh` when it starts (zeroed). */
  sum(length: number, fresh: boolean): Float64Array {
    if (this.acc.length !== length) this.acc = new Float64Array(length);
    else if (fresh) this.acc.fill(0);
    return this.acc;
  }

  /** The buffer that is reduced, of this length (an epoch's last update may hold fewer batches). */
  packed(length: number): Float32Array | Float64Array {
    let b = this.byLength.get(length);
    if (!b) {
      b = this.dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
      this.byLength.set(length, b);
    }
    return b;
  }
}

/** The packed buffer's two flags, after everything else. */
const FLAGS = 2;

/** A seed per (update, batch within it, rank): the first is the fused step's, so that one rank draws its dropout masks. */
function dropoutSeed(fitSeed: number, iterations: number, micro: number, rank: number, worldSize: number): number {
  return (fitSeed + iterations * 7919 + (micro * worldSize + rank) * 104729) | 0;
}

/** A weight's new value from host values of the reduce, in its dtype (a copy: the buffer is not kept). */
function hostTensor(values: Float32Array | Float64Array, shape: number[], dtype: nb.DType): nb.Tensor {
  return nb.tensor(dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values), shape, dtype);
}

/**
 * A shard's share of a batch's weighted metrics: its part of the batch's sum of sample weights
 * (summed on the host from the same float32 weights on every rank, so that the shares of one
 * rank holding the whole batch are exactly 1); without sample weights, its part of the samples.
 */
function weightedShare(data: ShardData, batch: Int32Array, shard: Int32Array, plain: number): number {
  if (data.w === null) return plain;
  const sum = data.weightSum(batch);
  return sum === 0 ? 0 : data.weightSum(shard) / sum;
}

/** The checks before a split fit starts; the same on every rank, so a refusal is every rank's. */
function refuse(model: AnyModel, compiled: Compiled, train: Feed, val: Feed | null, args: FitArgs): void {
  const what = args.distributed ? 'distributed training' : 'accumulateSteps';
  if (compiled.stepsPerExecution > 1) {
    throw new nb.NablaError(
      `fit: ${what} runs one gradient step per execution (the reduce sits between the gradient and the update); ` +
        `compile with stepsPerExecution 1 (it is ${compiled.stepsPerExecution})`,
    );
  }
  if (!(train instanceof ArrayFeed)) {
    throw new nb.NablaError(
      `fit: ${what} takes x and y as tensors or arrays (every rank holds them and takes its shard of each batch); ` +
        'a dataset or generator is not supported with it',
    );
  }
  if (args.distributed && val !== null && !(val instanceof ArrayFeed)) {
    throw new nb.NablaError(
      'fit: distributed training evaluates validationData given as tensors or arrays (each rank its shard); a dataset or generator is not supported with it',
    );
  }
  if (args.distributed) {
    const wide = model.weights.find((w) => w.value.dtype !== 'float32');
    if (wide) {
      throw new nb.NablaError(
        `fit: distributed training reduces and broadcasts float32 values; weight '${wide.name}' is ${wide.value.dtype} ` +
          '(build the model with float32 weights, or train it in one process)',
      );
    }
  }
}

/** What ranks must agree on before the first collective of weights: see handshake. */
function agreement(model: AnyModel, compiled: Compiled, train: ArrayFeed, val: ArrayFeed | null, args: FitArgs, s: ParallelSettings) {
  // Names differ between models built in one process (dense, dense_1): shapes, dtypes and order do not.
  const structure = [
    ...model.weights.map((w) => `${w.shape.join('x')}:${w.value.dtype}:${model.trainableWeights.includes(w) ? 't' : 'f'}`),
    compiled.optimizer.className,
    JSON.stringify(compiled.optimizer.getConfig()),
    String(statNames(compiled).length),
    train.layout.key.replace(/[^|]+/g, (k) => String(k.length)),
    // Slot groups follow the backend's flat-slot limit: ranks on backends of different limits differ here.
    ...Object.values(compiled.slots ?? {}).map((g) =>
      Object.values(g)
        .map((t) => t.size)
        .join(','),
    ),
  ].join(';');
  const [lrHigh, lrLow] = float64Words(compiled.optimizer.currentLearningRate(compiled.iterations));
  return {
    worldSize: (args.distributed as { worldSize: number }).worldSize,
    samples: train.samples,
    batchSize: train.batchSize,
    accumulateSteps: args.accumulateSteps ?? 1,
    epochs: s.epochs,
    initialEpoch: s.initialEpoch,
    seed: s.seed,
    shuffle: train.shuffle ? 1 : 0,
    'sample weights': train.w ? 1 : 0,
    'validation samples': val?.samples ?? 0,
    'validation sample weights': val?.w ? 1 : 0,
    'optimizer iterations': compiled.iterations,
    'learning rate (high word)': lrHigh,
    'learning rate (low word)': lrLow,
    'model structure (hash)': hash32(structure),
  };
}

/**
 * Resuming: every rank loads the same checkpoint (loadModel), so the ranks agree on the
 * optimizer's step counter and learning rate before the broadcast, and this check catches a rank
 * that loaded another checkpoint or none. (Sending rank 0's counter with the broadcast instead
 * would hide such a rank, and the counter alone does not restore the learning rate a callback set.)
 */
const RESUME_HINTS: Record<string, string> = {
  'optimizer iterations':
    'resuming from a checkpoint, every rank loads the same one with loadModel (it holds the optimizer state; loadWeights does not)',
};

export async function parallelLoop(model: AnyModel, train: Feed, val: Feed | null, args: FitArgs, s: ParallelSettings): Promise<History> {
  const compiled = model.requireCompiled('fit');
  refuse(model, compiled, train, val, args);
  const feed = train as ArrayFeed;
  const dist = args.distributed ? new Collectives(args.distributed) : null;
  const rank = dist?.rank ?? 0;
  const worldSize = dist?.worldSize ?? 1;
  const accumulate = args.accumulateSteps ?? 1;
  const { signal, epochs, initialEpoch, fitSeed } = s;

  const trainable = model.trainableWeights;
  const frozen = model.nonTrainableWeights;
  const frozenByName = new Map(frozen.map((w) => [w.name, w]));
  // float32 with ranks (checked in refuse); in one process, float64 when the user's weights are.
  const packDtype = stepScalarDtype(model.weights.map((w) => w.value));
  ensureSlots(compiled, toParams(trainable));
  if (dist) {
    await handshake(dist, 'fit', agreement(model, compiled, feed, val as ArrayFeed | null, args, s), RESUME_HINTS);
    await broadcastState(dist, model.weights, compiled.slots as Slots);
  }

  const history = new History();
  const verbose = args.verbose ?? 1;
  // Rank 0 alone runs the callbacks that write (Callback.rankZeroOnly): the progress bar, CSVLogger,
  // ModelCheckpoint. The others run everywhere: every rank has the same logs, so they decide alike.
  const given = toCallbacks(args.callbacks).filter((c: Callback) => rank === 0 || !c.rankZeroOnly);
  const list = new CallbackList([...(verbose > 0 && rank === 0 ? [new ProgbarLogger()] : []), ...given, history]);
  const steps = Math.ceil(feed.samples / feed.batchSize);
  for (const c of list.callbacks) {
    c.setModel(model);
    c.setParams({ epochs, steps, samples: feed.samples, batchSize: feed.batchSize, verbose, rank, worldSize });
  }
  const lock = model.runLock;
  const hook = (call: () => Promise<void> | undefined) => lock.hook(call);
  const batchLogs = list.callbacks.some((c) => c.handles('onBatchEnd'));
  const batchBegins = list.callbacks.some((c) => c.handles('onBatchBegin'));

  const spec = stepSpec(compiled);
  const grad = cachedStep(compiled, `grad:${feed.layout.key}:${packDtype}`, () => gradientStep(model, spec, feed.layout, packDtype));
  const update = cachedStep(compiled, 'update', () => updateStep(model, compiled.optimizer));
  const names = statNames(compiled);
  const weightedFrom = names.length - compiled.weightedMetrics.length;
  const scalarNames = compiled.optimizer.stepScalarNames();
  const data = new ShardData(feed.x, feed.y, feed.w);
  const buffers = new Buffers(packDtype);
  const valData = dist && val ? new ShardData((val as ArrayFeed).x, (val as ArrayFeed).y, (val as ArrayFeed).w) : null;

  let epochNow = initialEpoch;
  let batchNow = 0;
  const where = () => `in epoch ${epochNow + 1}, after batch ${batchNow}; the weights are those of the last completed step`;
  /** Throws when a rank's signal was aborted: this rank's own AbortError, or an error saying another's was. */
  const checkAbort = (flag: number) => {
    if (flag === 0) return;
    if (signal?.aborted) throw abortError('fit', signal, where());
    throw new nb.NablaError(`fit: another rank's signal aborted the run (${where()}); every rank stops with it`);
  };
  const reduce = async (packed: Float32Array | Float64Array, at: number) => {
    packed[at] = model.stopTraining ? 1 : 0;
    packed[at + 1] = signal?.aborted ? 1 : 0;
    if (dist) await dist.allReduceSum(packed as Float32Array);
    checkAbort(packed[at + 1]);
    return packed[at] > 0;
  };

  model.stopTraining = false;
  await hook(() => list.call('onTrainBegin', {}));
  try {
    await data.load();
    await valData?.load();
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      epochNow = epoch;
      batchNow = 0;
      await hook(() => list.call('onEpochBegin', epoch, {}));
      const globals = batches(epochOrder(feed.samples, feed.shuffle, s.random), feed.batchSize);
      const totals = new Totals(names, compiled.weightedMetrics.length, feed.w !== null);
      // A stop every rank learned from a reduce: no rank reduces again this epoch.
      let stopped = false;
      for (let first = 0; first < globals.length; first += accumulate) {
        const group = globals.slice(first, first + accumulate);
        const idle = model.stopTraining || signal?.aborted === true;
        for (let j = 0; !idle && batchBegins && j < group.length; j++) {
          const pending = hook(() => list.call('onBatchBegin', first + j, { batch: first + j, size: group[j].length }));
          if (pending) await pending;
        }
        const { packed, layout } = await contribute(group, idle);
        const width = names.length + (feed.w ? 1 : 0);
        const statsAt = packed.length - FLAGS - group.length * width;
        if (await reduce(packed, packed.length - FLAGS)) {
          // Asked by a callback on some rank: this update is dropped everywhere, so every rank
          // stops after the same batch, the one whose callbacks asked.
          model.stopTraining = true;
          stopped = true;
          break;
        }
        await apply(packed, layout);
        batchNow = first + group.length;
        for (let j = 0; j < group.length; j++) {
          totals.add(packed.subarray(statsAt + j * width, statsAt + (j + 1) * width), 0, group[j].length);
          if (!batchLogs) continue;
          const pending = hook(() => list.call('onBatchEnd', first + j, totals.means()));
          if (pending) await pending;
        }
        if (!dist && signal?.aborted) throw abortError('fit', signal, where());
        const now = nb.getBackend();
        if (now !== s.backend) {
          throw new nb.NablaError(
            `fit: the default backend changed from '${s.backend}' to '${now}' while it ran (${where()}); ` +
              'switch back, or change backends between runs',
          );
        }
        const paused = s.yielder.maybeYield();
        if (paused) await paused;
      }
      const logs = totals.means();
      if (val && !stopped) {
        const v = valData ? await validate(valData, val as ArrayFeed) : model.stopTraining ? null : await s.evaluate(val);
        if (v) for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      await hook(() => list.call('onEpochEnd', epoch, logs));
      // A stop asked at the epoch's end (EarlyStopping) or in its last batches, on any rank, is every rank's.
      if (dist && !stopped && (await reduce(new Float32Array(FLAGS), 0))) model.stopTraining = true;
    }
  } finally {
    data.close();
    valData?.close();
    await hook(() => list.call('onTrainEnd', {}));
  }
  return history;

  /**
   * This rank's part of an update over `group`'s global batches: the gradient phase on each of its
   * shards, weighted and packed (see the top of this file); zeros when `idle` (a stop asked or a
   * signal aborted here: the reduce's flags end the update on every rank).
   */
  async function contribute(group: Int32Array[], idle: boolean): Promise<{ packed: Float32Array | Float64Array; layout: GradLayout }> {
    const width = names.length + (feed.w ? 1 : 0);
    const total = group.reduce((n, b) => n + b.length, 0);
    let acc: Float64Array | null = null;
    let ran = false;
    const rows = new Float64Array(group.length * width);
    for (let j = 0; !idle && j < group.length; j++) {
      const shard = shardOf(group[j], rank, worldSize);
      if (shard.length === 0) continue;
      const values = await runGradient(grad, shard, dropoutSeed(fitSeed, compiled.iterations, j, rank, worldSize));
      const layout = grad.layout() as GradLayout;
      const head = values.length - layout.stats;
      acc = buffers.sum(head, !ran);
      ran = true;
      const share = shard.length / total;
      for (let i = 0; i < head; i++) acc[i] += values[i] * share;
      const plain = shard.length / group[j].length;
      const weighted = weightedShare(data, group[j], shard, plain);
      for (let i = 0; i < names.length; i++) rows[j * width + i] = values[head + i] * (i < weightedFrom ? plain : weighted);
      if (feed.w) rows[j * width + names.length] = values[head + names.length];
    }
    // A rank that ran nothing yet still needs the buffer's length, the same on every rank.
    if (!grad.layout()) await runGradient(grad, group[0].subarray(0, 1), 0);
    const layout = grad.layout() as GradLayout;
    const head = layout.grads.reduce((n, p) => n + p.size, 0) + layout.state.reduce((n, p) => n + p.size, 0);
    const packed = buffers.packed(head + rows.length + FLAGS);
    if (acc) packed.set(acc, 0);
    else packed.fill(0, 0, head);
    packed.set(rows, head);
    return { packed, layout };
  }

  /** The gradient phase on one shard: its output, read. */
  async function runGradient(step: GradientStep, shard: Int32Array, seed: number): Promise<nb.TypedArray> {
    const rows = data.rows(shard);
    const indices = new Int32Array(shard.length + 1);
    indices.set(rows.indices);
    indices[shard.length] = seed;
    const idx = nb.tensor(indices, [indices.length], 'int32');
    let out: nb.Tensor;
    try {
      out = await step.run({
        trainable: toParams(trainable),
        frozen: toParams(frozen),
        x: rows.x,
        y: rows.y,
        sampleWeight: rows.w ? [rows.w] : [],
        indices: idx,
      });
    } finally {
      idx.dispose();
      rows.release();
    }
    try {
      return await out.data();
    } finally {
      out.dispose();
    }
  }

  /** The update phase with the reduced gradients, and the reduced state stored. */
  async function apply(packed: Float32Array | Float64Array, layout: GradLayout): Promise<void> {
    const gradSize = layout.grads.reduce((n, p) => n + p.size, 0);
    if (gradSize > 0) {
      const scalarValues = compiled.optimizer.stepScalars(compiled.iterations);
      const scalarData = packDtype === 'float64' ? new Float64Array(scalarNames.length) : new Float32Array(scalarNames.length);
      scalarNames.forEach((name, j) => {
        scalarData[j] = scalarValues[name];
      });
      const grads = nb.tensor(packed.slice(0, gradSize), [gradSize], packDtype);
      const scalars = nb.tensor(scalarData, [scalarNames.length], packDtype);
      let out: Awaited<ReturnType<ReturnType<typeof updateStep>>>;
      try {
        out = await update({ trainable: toParams(trainable), slots: compiled.slots as Slots, grads, scalars });
      } finally {
        nb.dispose([grads, scalars]);
      }
      for (const w of trainable) w.assign(nb.keep(out.trainable[w.name]));
      nb.dispose(compiled.slots as Slots);
      compiled.slots = nb.keep(out.slots);
    }
    let at = gradSize;
    for (const p of layout.state) {
      const w = frozenByName.get(p.name) as (typeof frozen)[number];
      w.assign(nb.keep(hostTensor(packed.subarray(at, at + p.size), p.shape, w.value.dtype)));
      at += p.size;
    }
    compiled.iterations += 1;
  }

  /**
   * Validation with ranks: each rank evaluates its shard of each validation batch, and one
   * all-reduce sums the batches' weighted stats rows (and the flags), so every rank logs the
   * validation of the whole set, each batch's row as one process computes it. Returns null when
   * a rank asked to stop in the epoch's last batches (one process skips validation then).
   */
  async function validate(vdata: ShardData, vfeed: ArrayFeed): Promise<Logs | null> {
    const order = batches(epochOrder(vdata.samples, false, Math.random), vfeed.batchSize);
    const hasWeights = vdata.w !== null;
    const width = names.length + (hasWeights ? 1 : 0);
    const packed = new Float32Array(order.length * width + FLAGS);
    const rows = new Float64Array(order.length * width);
    const step = cachedStep(compiled, `eval:${vfeed.layout.key}`, () => evalStep(model, spec, vfeed.layout));
    const idle = model.stopTraining || signal?.aborted === true;
    for (let b = 0; !idle && b < order.length; b++) {
      const shard = shardOf(order[b], rank, worldSize);
      if (shard.length === 0) continue;
      const r = vdata.rows(shard);
      const indices = nb.tensor(r.indices, [r.indices.length], 'int32');
      let stats: nb.Tensor;
      try {
        stats = await step({ params: toParams(model.weights), x: r.x, y: r.y, sampleWeight: r.w ? [r.w] : [], indices } as EvalInputs);
      } finally {
        indices.dispose();
        r.release();
      }
      const values = await stats.data();
      stats.dispose();
      const plain = shard.length / order[b].length;
      const weighted = weightedShare(vdata, order[b], shard, plain);
      for (let i = 0; i < names.length; i++) rows[b * width + i] = values[i] * (i < weightedFrom ? plain : weighted);
      if (hasWeights) rows[b * width + names.length] = values[names.length];
      const paused = s.yielder.maybeYield();
      if (paused) await paused;
    }
    packed.set(rows, 0);
    if (await reduce(packed, packed.length - FLAGS)) {
      model.stopTraining = true;
      return null;
    }
    const totals = new Totals(names, compiled.weightedMetrics.length, hasWeights);
    for (let b = 0; b < order.length; b++) totals.add(packed.subarray(b * width, (b + 1) * width), 0, order[b].length);
    return totals.means();
  }
}
