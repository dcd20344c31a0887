import * as nb from '@nabla/core';
import type { Layout } from '../models/packing.js';
import type { Optimizer, Slots } from '../optimizers/optimizer.js';
import { type Batch, batchGradients, type Params, type StepModel, type StepSpec } from './steps.js';

/**
 * The training step in two compiled phases, for data-parallel training and gradient
 * accumulation (see parallel.ts): a gradient phase (gather, forward, loss, backward) whose one
 * output is everything ranks sum, and an update phase (optimizer, constraints) that takes the
 * summed gradients. What runs between them is host code: weighting by shard sizes and one
 * all-reduce. The single-process fit keeps its one fused step (steps.ts), which these mirror op
 * for op, so that one rank gives that step's results bit for bit.
 */

export interface GradInputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  /** The non-trainable weights' values (BatchNormalization's moving statistics among them). */
  frozen: Params;
  x: nb.Tensor;
  y: nb.Tensor;
  /** As TrainInputs.sampleWeight: a list of one, or empty. */
  sampleWeight: nb.Tensor[];
  /** int32 [n + 1]: the shard's sample indices in x, then its dropout seed. */
  indices: nb.Tensor;
}

/** A part of the gradient phase's output: a weight's values, flattened. */
export interface Part {
  name: string;
  shape: number[];
  size: number;
}

/**
 * Where things are in the gradient phase's one output, in order: the gradients of the trainable
 * weights, the new values of the state the layers assigned (BatchNormalization's moving
 * statistics; which weights is known when the phase is traced), then the stats row (lossAndStats).
 */
export interface GradLayout {
  grads: Part[];
  state: Part[];
  /** The stats row's length. */
  stats: number;
}

/** The gradient phase, and its output's layout (null until it is first traced). */
export interface GradientStep {
  run: nb.Jitted<GradInputs, nb.Tensor>;
  layout(): GradLayout | null;
  dispose(): void;
}

const part = (name: string, t: nb.Tensor): Part => ({ name, shape: [...t.shape], size: t.size });
const flat = (t: nb.Tensor, dtype: nb.DType) => nb.cast(nb.reshape(t, [t.size]), dtype);

/**
 * Forward, loss and backward of one shard; returns one flat tensor of `dtype` (see GradLayout),
 * so that a step costs one read. The state's new values are computed from the state given, as
 * the fused step computes them.
 */
export function gradientStep(model: StepModel, spec: StepSpec, layout: Layout, dtype: nb.DType): GradientStep {
  let traced: GradLayout | null = null;
  const run = nb.jit((a: GradInputs): nb.Tensor => {
    const n = a.indices.shape[0] - 1;
    const idx = nb.slice(a.indices, [0], [n]);
    const seed = nb.reshape(nb.slice(a.indices, [n], [1]), []);
    const batch: Batch = {
      x: nb.gather(a.x, idx),
      y: nb.gather(a.y, idx),
      weights: a.sampleWeight.length === 0 ? undefined : nb.gather(a.sampleWeight[0], idx),
      seed: () => seed,
    };
    const names = Object.keys(a.trainable);
    const { grads, stats, state: assigned } = batchGradients(model, spec, layout, a.trainable, a.frozen, batch);
    const state: Params = {};
    for (const [w, value] of assigned) state[w.name] = value;
    traced = {
      grads: names.map((k) => part(k, a.trainable[k])),
      state: Object.entries(state).map(([k, t]) => part(k, t)),
      stats: stats.size,
    };
    return nb.concat(
      [...names.map((k) => flat(grads[k], dtype)), ...Object.values(state).map((t) => flat(t, dtype)), flat(stats, dtype)],
      0,
    );
  });
  return { run, layout: () => traced, dispose: () => run.dispose() };
}

export interface UpdateInputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  slots: Slots;
  /** The gradients to apply, flat, in the order of `trainable`'s keys. */
  grads: nb.Tensor;
  /** [k]: this step's Optimizer.stepScalars, in the order of their names. */
  scalars: nb.Tensor;
}

export interface UpdateOutputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  slots: Slots;
}

/** The update phase: the optimizer's update from the given gradients, then the weights' constraints. */
export function updateStep(model: StepModel, optimizer: Optimizer) {
  const scalarNames = optimizer.stepScalarNames();
  return nb.jit((a: UpdateInputs): UpdateOutputs => {
    const constraints = model.constraints();
    const names = Object.keys(a.trainable);
    const pieces = nb.split(
      a.grads,
      names.map((k) => a.trainable[k].size),
      0,
    );
    const grads = Object.fromEntries(names.map((k, i) => [k, nb.reshape(pieces[i], a.trainable[k].shape)]));
    const scalars = Object.fromEntries(scalarNames.map((name, j) => [name, nb.reshape(nb.slice(a.scalars, [j], [1]), [])]));
    const updated = optimizer.apply(a.trainable, grads, a.slots, scalars);
    const params = { ...updated.params };
    for (const [name, constraint] of Object.entries(constraints)) {
      if (name in params) params[name] = constraint.apply(params[name]);
    }
    return { trainable: params, slots: updated.slots };
  });
}
