import * as nb from '@nabla/core';
import type { LossFn } from '../losses.js';
import type { MetricFn } from '../metrics.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/**
 * The compiled steps. A training step is one traced function: gather the batch, forward,
 * loss plus regularization, backward, optimizer update, metrics. nb.jit compiles it once per
 * batch shape, so every batch of an epoch (and the last, smaller one, once) reuses the same
 * executable and no graph is rebuilt in JavaScript.
 */
export type Params = Record<string, nb.Tensor>;
export type Slots = Record<string, Record<string, nb.Tensor>>;

export interface StepModel {
  /** The forward pass with the given weight values (by weight name) substituted. */
  forward(x: nb.Tensor, training: boolean, params: Params, seed?: nb.Tensor): nb.Tensor;
  /** Sum of the weight regularizers' penalties, for these values. */
  regularization(params: Params): nb.Tensor | null;
}

export interface TrainInputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  frozen: Params;
  slots: Slots;
  x: nb.Tensor;
  y: nb.Tensor;
  indices: nb.Tensor;
  lr: nb.Tensor;
  step: nb.Tensor;
  seed: nb.Tensor;
}

export interface TrainOutputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  slots: Slots;
  /** [loss, ...metrics] for the batch, so one read fetches them all. */
  stats: nb.Tensor;
}

export function trainStep(model: StepModel, loss: LossFn, metrics: MetricFn[], optimizer: Optimizer) {
  return nb.jit((a: TrainInputs): TrainOutputs => {
    const xb = nb.gather(a.x, a.indices);
    const yb = nb.gather(a.y, a.indices);
    let yPred: nb.Tensor | undefined;
    const { value, grads } = nb.valueAndGrad((p: Params) => {
      const all = { ...a.frozen, ...p };
      yPred = model.forward(xb, true, all, a.seed);
      const dataLoss = loss(yb, yPred);
      const penalty = model.regularization(all);
      return penalty ? nb.add(dataLoss, penalty) : dataLoss;
    })(a.trainable);
    const updated = optimizer.apply(a.trainable, grads, a.slots, a.lr, a.step);
    const pred = yPred as nb.Tensor;
    const stats = nb.stack([value, ...metrics.map((m) => nb.cast(m(yb, pred), value.dtype))]);
    return { trainable: updated.params, slots: updated.slots, stats };
  });
}

export interface EvalInputs {
  [key: string]: nb.JitTree;
  params: Params;
  x: nb.Tensor;
  y: nb.Tensor;
  indices: nb.Tensor;
}

/** Loss (with regularization, as Keras reports it) and metrics of one batch, without training. */
export function evalStep(model: StepModel, loss: LossFn, metrics: MetricFn[]) {
  return nb.jit((a: EvalInputs): nb.Tensor => {
    const xb = nb.gather(a.x, a.indices);
    const yb = nb.gather(a.y, a.indices);
    const yPred = model.forward(xb, false, a.params);
    const penalty = model.regularization(a.params);
    const dataLoss = loss(yb, yPred);
    const total = penalty ? nb.add(dataLoss, penalty) : dataLoss;
    return nb.stack([total, ...metrics.map((m) => nb.cast(m(yb, yPred), total.dtype))]);
  });
}
