import * as nb from '@nabla/core';
import { Callback, CustomCallback, type CustomCallbackArgs, type Logs } from '../callbacks/callback.js';
import type { Compiled } from '../models/model.js';
import { slotsFitGroups } from '../optimizers/optimizer.js';
import type { Params, PerStep, StepSpec } from './steps.js';

/** The parts of fit's loop that the array and the dataset loops share. */

/** Callbacks as given: instances, TensorFlow.js's plain objects of hooks, or a list of either. */
export function toCallbacks(given: Callback | CustomCallbackArgs | (Callback | CustomCallbackArgs)[] | undefined): Callback[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return list.map((c) => (c instanceof Callback ? c : new CustomCallback(c as CustomCallbackArgs)));
}

export function toParams(weights: { name: string; value: nb.Tensor }[]): Params {
  const params: Params = {};
  for (const w of weights) params[w.name] = w.value;
  return params;
}

/** A compiled step, made once per compile() (released by the next compile or dispose). */
export function cachedStep<S extends { dispose(): void }>(compiled: Compiled, kind: string, make: () => S): S {
  let step = compiled.cache.get(kind) as S | undefined;
  if (!step) {
    step = make();
    compiled.cache.set(kind, step);
  }
  return step;
}

/** Executions whose stats may wait unread (see batchLogs in fit). */
export const UNREAD_LIMIT = 64;

/**
 * Running sums of the loss and metrics over an epoch, as Keras's Mean trackers: the loss and
 * plain metrics weighted by batch size, the last `weighted` names (weightedMetrics) by the
 * batch's sum of sample weights, which rows carry in one more column when `hasWeights`.
 */
export class Totals {
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
 * The `perStep` inputs of an execution of these batches (see TrainInputs): per step, the sample
 * indices and the dropout seed (int32), and the optimizer's step scalars (in `scalarDtype`).
 */
export function perStepInputs(
  group: Int32Array[],
  compiled: Compiled,
  scalarNames: string[],
  scalarDtype: nb.DType,
  fitSeed: number,
): PerStep {
  const size = group[0].length;
  const width = size + 1;
  const k = scalarNames.length;
  const indices = new Int32Array(group.length * width);
  // Rounded to the step's dtype here, once, exactly as a cast in the step would round them.
  const scalars = scalarDtype === 'float64' ? new Float64Array(group.length * k) : new Float32Array(group.length * k);
  group.forEach((samples, s) => {
    const it = compiled.iterations + s;
    indices.set(samples, s * width);
    indices[s * width + size] = (fitSeed + it * 7919) | 0;
    const values = compiled.optimizer.stepScalars(it);
    scalarNames.forEach((name, j) => {
      scalars[s * k + j] = values[name];
    });
  });
  return {
    indices: nb.tensor(indices, [group.length, width], 'int32'),
    scalars: nb.tensor(scalars, [group.length, k], scalarDtype),
  };
}

/**
 * Creates the optimizer's slots on the first step. Slots whose groups no longer match the
 * trainable weights (a group's slots are one tensor for all its weights) are replaced by fresh
 * ones, as a new compile would.
 */
export function ensureSlots(compiled: Compiled, params: Params): void {
  if (compiled.slots && slotsFitGroups(compiled.optimizer.slotGroups(params), compiled.slots)) return;
  if (compiled.slots) nb.dispose(compiled.slots);
  compiled.slots = nb.keep(compiled.optimizer.initSlots(params));
}

/** compile()'s settings as the compiled steps take them. */
export function stepSpec(compiled: Compiled): StepSpec {
  return {
    losses: compiled.outputs.map((o) => ({ fn: o.loss.fn, weight: o.weight })),
    metrics: compiled.metrics.map((m) => ({ fn: m.fn, output: m.output })),
    weightedMetrics: compiled.weightedMetrics.map((m) => ({ fn: m.fn, output: m.output })),
  };
}

/** The logged names of a stats row's columns. */
export function statNames(compiled: Compiled): string[] {
  const perOutput = compiled.outputs.length > 1 ? compiled.outputs.map((o) => `${o.name}_loss`) : [];
  return ['loss', ...perOutput, ...compiled.metrics.map((m) => m.name), ...compiled.weightedMetrics.map((m) => m.name)];
}
