import * as nb from '@nabla/core';
import { type Model, type Outputs, Sequential } from '@nabla/nn';
import type { Case, Outcome } from '../case.js';
import { decode, type TrainingRun } from '../fixtures.js';
import { TOLERANCES, type Tolerance } from '../tolerance.js';
import { compareAll, type Memo, memoized } from './cross.js';
import { classesOf, PENDING_LAYERS } from './layers.js';
import { layersOf, optimizerFor } from './training.js';

/** Values made on the host, the same on every backend. */
export interface HostTensor {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/**
 * A training run to repeat on each backend of a pair: the same model from the same initial
 * weights (set from host values), the same batches in the same order, one trainOnBatch per step.
 */
export interface CrossRun {
  id: string;
  /** The layer classes it uses: a run with a class still pending in @nabla/nn is left out. */
  classes: string[];
  /** The model, built, its weights set from host values, and compiled. */
  model(): Model<Outputs>;
  inputs: HostTensor[];
  targets: HostTensor[];
  batchSize: number;
  epochs: number;
  /** How close the final weights must be (and the moving statistics, which are weights too). */
  weights: Tolerance;
}

/** Rows [start, start + size) of a host tensor, as a tensor on the current backend. */
function rows(t: HostTensor, start: number, size: number): nb.Tensor {
  const per = t.shape.slice(1).reduce((p, d) => p * d, 1);
  const data = Array.prototype.slice.call(t.data, start * per, (start + size) * per) as number[];
  return nb.tensor(data, [size, ...t.shape.slice(1)], t.dtype ?? 'float32');
}

export const stepsOf = (run: CrossRun): number => run.epochs * Math.ceil(run.inputs[0].shape[0] / run.batchSize);

/**
 * The run on the current backend: [every step's logged losses (the total, then each output's,
 * as trainOnBatch reports them), then each final weight].
 */
async function trajectory(run: CrossRun): Promise<Float64Array[]> {
  const model = run.model();
  try {
    const n = run.inputs[0].shape[0];
    const losses: number[] = [];
    for (let epoch = 0; epoch < run.epochs; epoch++) {
      for (let start = 0; start < n; start += run.batchSize) {
        const size = Math.min(run.batchSize, n - start);
        const x = run.inputs.map((t) => rows(t, start, size));
        const y = run.targets.map((t) => rows(t, start, size));
        try {
          const logs = await model.trainOnBatch(x.length === 1 ? x[0] : x, y.length === 1 ? y[0] : y);
          losses.push(...Object.values(logs));
        } finally {
          nb.dispose([x, y]);
        }
      }
    }
    const weights = await Promise.all(model.getWeights().map(async (w) => Float64Array.from(await w.data())));
    return [Float64Array.from(losses), ...weights];
  } finally {
    model.dispose();
  }
}

/**
 * Each run across a pair of backends: every step's loss within the cross-backend training
 * tolerance, then every final weight within the run's own.
 */
export function crossTrainingCases(a: string, b: string, runs: readonly CrossRun[], memo: Memo = new Map()): Case[] {
  return runs
    .filter((run) => run.classes.every((c) => !PENDING_LAYERS.has(c)))
    .map((run) => ({
      id: `cross ${a}/${b} training ${run.id} (${stepsOf(run)} steps)`,
      group: 'cross-training',
      tolerance: TOLERANCES.crossTrainingLoss,
      run: async (): Promise<Outcome> => {
        const key = `training ${run.id}`;
        const [[lossesA, ...weightsA], [lossesB, ...weightsB]] = [
          await memoized(memo, a, key, () => trajectory(run)),
          await memoized(memo, b, key, () => trajectory(run)),
        ];
        // NaN matches NaN in a comparison: a run that diverges on both backends would agree.
        const diverged = [lossesA, lossesB].findIndex((l) => !l.every(Number.isFinite));
        if (diverged >= 0) return { status: 'fail', detail: `a loss on ${[a, b][diverged]} is not finite` };
        const steps = stepsOf(run);
        const perStep = (losses: Float64Array) =>
          Array.from({ length: steps }, (_, i) => losses.subarray((i * losses.length) / steps, ((i + 1) * losses.length) / steps));
        const losses = compareAll(perStep(lossesA), perStep(lossesB), TOLERANCES.crossTrainingLoss, (i) => `step ${i + 1} loss`);
        if (losses.status === 'fail') return losses;
        const weights = compareAll(weightsA, weightsB, run.weights, (i) => `final weight ${i}`);
        return weights.status === 'fail' ? weights : losses;
      },
    }));
}

/** A recorded run's model, as the run against its fixture builds it (training.ts). */
function modelOf(run: TrainingRun): Sequential {
  const model = new Sequential(layersOf(run));
  model.setWeights(run.initialWeights.map((w) => nb.tensor(decode(w.data), w.shape)));
  model.compile({ optimizer: optimizerFor(run), loss: run.loss });
  return model;
}

/** A recorded training run (test-fixtures/training) to repeat across backends, from its recorded initial weights. */
export function fixtureRun(run: TrainingRun): CrossRun {
  const host = (f: TrainingRun['x']): HostTensor => ({
    data: decode(f.data).map((v) => v * (f.scale ?? 1)),
    shape: f.shape,
    dtype: f.dtype === 'int32' ? 'int32' : 'float32',
  });
  return {
    id: run.id,
    classes: classesOf(run.model.layers),
    model: () => modelOf(run),
    inputs: [host(run.x)],
    targets: [host(run.y)],
    batchSize: run.batchSize,
    epochs: run.epochs,
    weights: run.optimizer.name.toLowerCase() === 'adam' ? TOLERANCES.crossTrainingWeightsAdam : TOLERANCES.crossTrainingWeights,
  };
}
