import * as nb from '@nabla/core';
import type { LossFn } from '../losses.js';
import type { MetricFn } from '../metrics.js';
import type { Optimizer, Slots } from '../optimizers/optimizer.js';

/**
 * The compiled steps. A training step is one traced function: gather the batch, forward,
 * loss plus regularization, backward, optimizer update, metrics. nb.jit compiles it once per
 * batch shape, so every batch of an epoch (and the last, smaller one, once) reuses the same
 * executable and no graph is rebuilt in JavaScript.
 */
export type Params = Record<string, nb.Tensor>;

export interface StepModel {
  /** The forward pass with the given weight values (by weight name) substituted. */
  forward(x: nb.Tensor, training: boolean, params: Params, seed?: nb.Tensor): nb.Tensor;
  /** Sum of the weight regularizers' penalties, for these values. */
  regularization(params: Params): nb.Tensor | null;
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
   * What changes every step, in one tensor, because every tensor is an upload (and on
   * onnxruntime a fed input) per execution: float64 [steps, batch + 1 + k], each row the step's
   * sample indices, its seed for dropout, then its k Optimizer.stepScalars in the order of their
   * names. float64 holds all three exactly (indices and seeds are integers below 2^53).
   */
  perStep: nb.Tensor;
}

export interface TrainOutputs {
  [key: string]: nb.JitTree;
  trainable: Params;
  slots: Slots;
  /** [steps, 1 + metrics]: each step's loss and metrics, so one read fetches them all. */
  stats: nb.Tensor;
}

/**
 * Several steps per execution (Keras's steps_per_execution) are unrolled in the one graph, each
 * step reading the previous one's weights and slots: the per-run cost of a runtime such as
 * onnxruntime is then paid once for all of them.
 */
export function trainStep(model: StepModel, loss: LossFn, metrics: MetricFn[], optimizer: Optimizer) {
  const scalarNames = optimizer.stepScalarNames();
  return nb.jit((a: TrainInputs): TrainOutputs => {
    const [steps, width] = a.perStep.shape;
    const batch = width - 1 - scalarNames.length;
    const at = (i: number, j: number, n: number, shape: number[]) => nb.reshape(nb.slice(a.perStep, [i, j], [1, n]), shape);
    let params = a.trainable;
    let slots = a.slots;
    const stats: nb.Tensor[] = [];
    for (let i = 0; i < steps; i++) {
      const idx = nb.cast(at(i, 0, batch, [batch]), 'int32');
      const xb = nb.gather(a.x, idx);
      const yb = nb.gather(a.y, idx);
      let yPred: nb.Tensor | undefined;
      const { value, grads } = nb.valueAndGrad((p: Params) => {
        const all = { ...a.frozen, ...p };
        yPred = model.forward(xb, true, all, nb.cast(at(i, batch, 1, []), 'int32'));
        const dataLoss = loss(yb, yPred);
        const penalty = model.regularization(all);
        return penalty ? nb.add(dataLoss, penalty) : dataLoss;
      })(params);
      const scalars = Object.fromEntries(scalarNames.map((name, j) => [name, at(i, batch + 1 + j, 1, [])]));
      const updated = optimizer.apply(params, grads, slots, scalars);
      const pred = yPred as nb.Tensor;
      stats.push(nb.stack([value, ...metrics.map((m) => nb.cast(m(yb, pred), value.dtype))]));
      params = updated.params;
      slots = updated.slots;
    }
    return { trainable: params, slots, stats: nb.stack(stats) };
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
