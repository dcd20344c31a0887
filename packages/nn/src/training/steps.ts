import * as nb from '@nabla/core';
import type { Constraint } from '../constraints.js';
import type { LossFn } from '../losses.js';
import type { MetricFn } from '../metrics.js';
import { type Layout, unpack } from '../models/packing.js';
import type { Optimizer, Slots } from '../optimizers/optimizer.js';
import { type Weight, withWeightValues } from '../weight.js';
import { batchLoss, batchMetric } from './weighting.js';

/**
 * The compiled steps. A training step is one traced function: gather the batch, forward,
 * loss plus regularization, backward, optimizer update, metrics. nb.jit compiles it once per
 * batch shape, so every batch of an epoch (and the last, smaller one, once) reuses the same
 * executable and no graph is rebuilt in JavaScript.
 */
export type Params = Record<string, nb.Tensor>;

export interface StepModel {
  /** The forward pass of one input and output; layers with an activity regularizer push its penalty onto `losses`. */
  forward(x: nb.Tensor, training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor;
  /** The forward pass of every input, returning every output. */
  forwardAll(xs: nb.Tensor[], training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor[];
  /** Sum of the weight regularizers' penalties on trainable weights, at the weights' current values. */
  regularization(): nb.Tensor | null;
  /** The weight constraints, by weight name, applied after each optimizer update. */
  constraints(): Record<string, Constraint>;
}

/** What a step computes besides the forward pass: compile()'s settings. */
export interface StepSpec {
  /** Per output: its loss and the loss's weight in the total. */
  losses: { fn: LossFn; weight: number }[];
  /** Metrics that ignore sample weights (compile's metrics), with the output each reads. */
  metrics: { fn: MetricFn; output: number }[];
  /** Metrics weighted by the sample weights (compile's weightedMetrics). */
  weightedMetrics: { fn: MetricFn; output: number }[];
}

/** The batch's predictions and targets, one per output: unpacked when the layout packs them (see models/packing.ts). */
export function predictionsAndTargets(
  model: StepModel,
  layout: Layout,
  xb: nb.Tensor,
  yb: nb.Tensor,
  training: boolean,
  seed: nb.Tensor | undefined,
  activity: nb.Tensor[],
): { yPred: nb.Tensor[]; yTrue: nb.Tensor[] } {
  const yTrue = layout.y ? unpack(layout.y, yb) : [yb];
  const yPred =
    layout.x || layout.y
      ? model.forwardAll(layout.x ? unpack(layout.x, xb) : [xb], training, seed, activity)
      : [model.forward(xb, training, seed, activity)];
  return { yPred, yTrue };
}

/**
 * The loss of a batch with the model's penalties (weight and activity regularizers), and its
 * stats row: [loss, ...each output's loss when there are several, ...metrics, ...weightedMetrics],
 * then the batch's sum of sample weights when it has them (the epoch's weighted means need it).
 */
export function lossAndStats(
  model: StepModel,
  spec: StepSpec,
  yTrue: nb.Tensor[],
  yPred: nb.Tensor[],
  activity: nb.Tensor[],
  weights: nb.Tensor | undefined,
): { total: nb.Tensor; stats: () => nb.Tensor } {
  const perOutput = spec.losses.map((l, k) => batchLoss(l.fn, yTrue[k], yPred[k], weights));
  const dataLoss =
    perOutput.length === 1 ? perOutput[0] : perOutput.map((l, k) => nb.mul(l, spec.losses[k].weight)).reduce((a, b) => nb.add(a, b));
  const penalties = [model.regularization(), ...activity].filter((t): t is nb.Tensor => t !== null);
  const total = penalties.reduce((a: nb.Tensor, b) => nb.add(a, b.dtype === a.dtype ? b : nb.cast(b, a.dtype)), dataLoss);
  const stats = () => {
    const dtype = total.dtype;
    const row = [
      total,
      ...(perOutput.length > 1 ? perOutput.map((l) => nb.cast(l, dtype)) : []),
      ...spec.metrics.map((m) => nb.cast(batchMetric(m.fn, yTrue[m.output], yPred[m.output]), dtype)),
      ...spec.weightedMetrics.map((m) => nb.cast(batchMetric(m.fn, yTrue[m.output], yPred[m.output], weights), dtype)),
    ];
    if (weights !== undefined) row.push(nb.cast(nb.sum(weights), dtype));
    return nb.stack(row);
  };
  return { total, stats };
}

/** One batch, gathered: its inputs, targets and sample weights, and its dropout seed (a thunk: traced where the loss is). */
export interface Batch {
  x: nb.Tensor;
  y: nb.Tensor;
  weights: nb.Tensor | undefined;
  seed: () => nb.Tensor;
}

/**
 * Forward, loss and backward of one batch, as both training steps trace it (the fused step here
 * and the split gradient phase, split-steps.ts, which must give its results bit for bit): the
 * trainable weights' gradients (none when every weight is frozen: Keras still computes the loss),
 * the batch's stats row, and the values the layers assigned to their state (non-trainable
 * weights only: assigning a trainable one is an error).
 */
export function batchGradients(
  model: StepModel,
  spec: StepSpec,
  layout: Layout,
  params: Params,
  frozen: Params,
  batch: Batch,
): { grads: Params; stats: nb.Tensor; state: Map<Weight, nb.Tensor> } {
  let statsOf: (() => nb.Tensor) | undefined;
  let assigned = new Map<Weight, nb.Tensor>();
  const lossOf = (p: Params) => {
    const all = { ...frozen, ...p };
    const { result, updates } = withWeightValues(
      (w) => all[w.name],
      () => {
        const activity: nb.Tensor[] = [];
        const { yPred, yTrue } = predictionsAndTargets(model, layout, batch.x, batch.y, true, batch.seed(), activity);
        return lossAndStats(model, spec, yTrue, yPred, activity, batch.weights);
      },
    );
    assigned = updates;
    statsOf = result.stats;
    return result.total;
  };
  let grads: Params = {};
  if (Object.keys(params).length === 0) lossOf(params);
  else grads = nb.valueAndGrad(lossOf)(params).grads;
  for (const w of assigned.keys()) {
    if (!(w.name in frozen)) {
      throw new nb.NablaError(`fit: ${w.name} is trainable; a layer assigns only its non-trainable weights (its state) in call`);
    }
  }
  return { grads, stats: (statsOf as () => nb.Tensor)(), state: assigned };
}

/** One execution runs `steps` optimizer steps: per-step inputs have a leading axis of that length. */
export interface TrainInputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  frozen: Params;
  slots: Slots;
  x: nb.Tensor;
  y: nb.Tensor;
  /**
   * Per-sample weights [samples] (sampleWeight, or classWeight resolved per sample), gathered
   * with the batch: a list of one, or empty when there are none (a tree has no optional keys).
   */
  sampleWeight: nb.Tensor[];
  /**
   * What changes every step, as two tensors rather than one per value, because every tensor is an
   * upload (and on onnxruntime a fed input) per execution. Two, not one, because no backend is
   * asked for float64 unless the user's weights are float64 (WebGPU has none), and float32 holds
   * neither a seed nor an index above 2^24 exactly:
   * - `indices`, int32 [steps, batch + 1]: each row the step's sample indices, then its dropout seed;
   * - `scalars`, [steps, k] in `stepScalarDtype` of the trainable weights: each row the step's k
   *   Optimizer.stepScalars, in the order of their names, computed on the host in float64 and
   *   rounded once to that dtype (which the step's update would cast them to anyway).
   */
  perStep: PerStep;
}

/** The per-step inputs of a training execution (see TrainInputs.perStep). */
export interface PerStep {
  [key: string]: nb.Tensor;
  indices: nb.Tensor;
  scalars: nb.Tensor;
}

/**
 * The dtype of the step scalars for these trainable weights: float64 when one of them is (the
 * user chose float64 weights, so the backend has it, and their update reads the scalars unrounded),
 * else float32.
 */
export function stepScalarDtype(params: readonly { dtype: nb.DType }[]): nb.DType {
  return params.some((p) => p.dtype === 'float64') ? 'float64' : 'float32';
}

export interface TrainOutputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  /**
   * The new values of the non-trainable weights the layers assigned while training
   * (BatchNormalization's moving statistics), by name; the others are left out.
   */
  state: Params;
  slots: Slots;
  /** [steps, width]: each step's stats row (see lossAndStats), so one read fetches them all. */
  stats: nb.Tensor;
}

/**
 * Several steps per execution (Keras's steps_per_execution) are unrolled in the one graph, each
 * step reading the previous one's weights and slots: the per-run cost of a runtime such as
 * onnxruntime is then paid once for all of them.
 */
export function trainStep(model: StepModel, spec: StepSpec, optimizer: Optimizer, layout: Layout) {
  const scalarNames = optimizer.stepScalarNames();
  return nb.jit((a: TrainInputs): TrainOutputs => {
    // Read when tracing, so that a retrace (new batch shape, new trainable set) sees the current ones.
    const constraints = model.constraints();
    const { indices, scalars: scalarRows } = a.perStep;
    const [steps, width] = indices.shape;
    const batch = width - 1;
    // Step i's n values from column j of a per-step tensor, in the given shape.
    const at = (t: nb.Tensor, i: number, j: number, n: number, shape: number[]) => nb.reshape(nb.slice(t, [i, j], [1, n]), shape);
    let params = a.trainable;
    let frozen = a.frozen;
    let slots = a.slots;
    const stats: nb.Tensor[] = [];
    const state: Params = {};
    for (let i = 0; i < steps; i++) {
      const idx = at(indices, i, 0, batch, [batch]);
      const batchOf: Batch = {
        x: nb.gather(a.x, idx),
        y: nb.gather(a.y, idx),
        weights: a.sampleWeight.length === 0 ? undefined : nb.gather(a.sampleWeight[0], idx),
        seed: () => at(indices, i, batch, 1, []),
      };
      const step = batchGradients(model, spec, layout, params, frozen, batchOf);
      stats.push(step.stats);
      for (const [w, value] of step.state) {
        frozen = { ...frozen, [w.name]: nb.stopGradient(value) };
        state[w.name] = frozen[w.name];
      }
      // Every weight frozen: Keras still runs the step and reports the loss, updating nothing.
      if (Object.keys(params).length === 0) continue;
      const scalars = Object.fromEntries(scalarNames.map((name, j) => [name, at(scalarRows, i, j, 1, [])]));
      const updated = optimizer.apply(params, step.grads, slots, scalars);
      // Keras applies each weight's constraint right after the optimizer's update.
      params = { ...updated.params };
      for (const [name, constraint] of Object.entries(constraints)) {
        if (name in params) params[name] = constraint.apply(params[name]);
      }
      slots = updated.slots;
    }
    return { trainable: params, state, slots, stats: nb.stack(stats) };
  });
}

export interface EvalInputs {
  [key: string]: nb.JitTree;
  params: Params;
  x: nb.Tensor;
  y: nb.Tensor;
  /** As in TrainInputs: one tensor or none. */
  sampleWeight: nb.Tensor[];
  indices: nb.Tensor;
}

/**
 * Loss (with the regularizers' penalties, as Keras reports it) and metrics of one batch, without
 * training: the stats row of lossAndStats.
 */
export function evalStep(model: StepModel, spec: StepSpec, layout: Layout) {
  return nb.jit((a: EvalInputs): nb.Tensor => {
    const xb = nb.gather(a.x, a.indices);
    const yb = nb.gather(a.y, a.indices);
    const wb = a.sampleWeight.length === 0 ? undefined : nb.gather(a.sampleWeight[0], a.indices);
    // Activity regularizers count in the evaluated loss too, as in Keras.
    return withWeightValues(
      (w) => a.params[w.name],
      () => {
        const activity: nb.Tensor[] = [];
        const { yPred, yTrue } = predictionsAndTargets(model, layout, xb, yb, false, undefined, activity);
        return lossAndStats(model, spec, yTrue, yPred, activity, wb).stats();
      },
    ).result;
  });
}
