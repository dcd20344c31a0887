import * as nb from '@nabla/core';
import { Adam, Dense, type Layer, layerFromConfig, type Optimizer, Sequential, SGD } from '@nabla/nn';
import type { Case, Outcome } from '../case.js';
import { decode, type TrainingRun } from '../fixtures.js';
import { compare, TOLERANCES } from '../tolerance.js';
import { classesOf, PENDING_LAYERS } from './layers.js';

/** The run's optimizer, as the reference was trained with it. */
export function optimizerFor(run: TrainingRun): Optimizer {
  const o = run.optimizer;
  switch (o.name.toLowerCase()) {
    case 'adam':
      return new Adam({
        learningRate: o.learningRate,
        beta1: o.beta1 as number | undefined,
        beta2: o.beta2 as number | undefined,
        epsilon: o.epsilon as number | undefined,
      });
    case 'sgd':
    case 'momentum':
      return new SGD({ learningRate: o.learningRate, momentum: (o.momentum as number | undefined) ?? 0 });
    default:
      throw new nb.NablaError(`conformance: training fixture ${run.id} uses optimizer '${o.name}', which this suite does not map`);
  }
}

function tensorOf(f: TrainingRun['x']): nb.Tensor {
  const data = decode(f.data);
  const scale = f.scale ?? 1;
  return nb.tensor(scale === 1 ? data : data.map((v) => v * scale), f.shape, f.dtype ?? 'float32');
}

/** Whether @nabla/nn has every layer of the run's model (runs of PENDING_LAYERS are left out). */
export const isRunnable = (run: TrainingRun): boolean => classesOf(run.model.layers).every((c) => !PENDING_LAYERS.has(c));

/** The run's layers: Dense ones as { units, activation }, the others by class name through nn's registry. */
export function layersOf(run: TrainingRun): Layer[] {
  return run.model.layers.map((l, i) => {
    const inputShape = i === 0 ? { inputShape: run.model.inputShape ?? [run.x.shape[1]] } : {};
    if ('className' in l) return layerFromConfig(l.className, { ...l.config, ...inputShape });
    return new Dense(l.units, { activation: l.activation, ...inputShape });
  });
}

/**
 * A whole training run from the same initial weights as the reference, without shuffling: the
 * loss after every step and the final weights. One trainOnBatch per step, so the loss compared
 * is exactly that batch's (TF.js's onBatchEnd loss).
 */
export function trainingCase(run: TrainingRun): Case {
  return {
    id: `training ${run.id} (${run.stepLosses.length} steps)`,
    group: 'training',
    tolerance: TOLERANCES.trainingLoss,
    run: async (): Promise<Outcome> => {
      const model = new Sequential(layersOf(run));
      model.setWeights(run.initialWeights.map((w) => nb.tensor(decode(w.data), w.shape)));
      model.compile({ optimizer: optimizerFor(run), loss: run.loss });
      const x = tensorOf(run.x);
      const y = tensorOf(run.y);
      const n = x.shape[0];
      const losses: number[] = [];
      try {
        for (let epoch = 0; epoch < run.epochs; epoch++) {
          for (let start = 0; start < n; start += run.batchSize) {
            const size = Math.min(run.batchSize, n - start);
            const [xb, yb] = [nb.slice(x, [start], [size]), nb.slice(y, [start], [size])];
            losses.push((await model.trainOnBatch(xb, yb)).loss);
            nb.dispose([xb, yb]);
          }
        }
        const lossCheck = compare(losses, decode(run.stepLosses), TOLERANCES.trainingLoss);
        if (!lossCheck.pass) return { status: 'fail', maxError: lossCheck.maxError, detail: `step loss ${lossCheck.detail}` };
        const weights = model.getWeights();
        const weightTolerance = run.optimizer.name.toLowerCase() === 'adam' ? TOLERANCES.trainingWeightsAdam : TOLERANCES.trainingWeights;
        for (const [i, w] of run.finalWeights.entries()) {
          const c = compare(await weights[i].data(), decode(w.data), weightTolerance);
          if (!c.pass) return { status: 'fail', maxError: c.maxError, detail: `final weight ${w.name} ${c.detail}` };
        }
        return { status: 'pass', maxError: lossCheck.maxError };
      } finally {
        model.dispose();
        nb.dispose([x, y]);
      }
    },
  };
}
