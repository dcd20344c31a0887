import * as nb from '@nabla/core';
import { Adam, Dense, GlorotUniform, Sequential } from '@nabla/nn';
import { type ExampleOptions, seedOf, type Trained, timedFit, withDefaults } from './options.js';

export interface SeedLinregResult {
  weight: number;
  bias: number;
  /** The exact least-squares line through the same data, computed on the host. */
  lsWeight: number;
  lsBias: number;
  /** Mean squared error over all samples after the second fit. */
  finalLoss: number;
}

/** Ordinary least squares for one feature: slope = cov(x, y) / var(x), in float64. */
export function leastSquares(x: Float32Array, y: Float32Array): { lsWeight: number; lsBias: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const lsWeight = sxy / sxx;
  return { lsWeight, lsBias: my - lsWeight * mx };
}

/**
 * The seed example as written: y = 3x + U[0,1) fitted by one Dense unit with Keras defaults.
 * Its 1,000 Adam steps at learning rate 0.001 move the weights by at most ~1, not enough to
 * reach the answer from a random start, so a second fit ("trained longer") continues from there
 * with learning rate 0.05 and checks the result against the exact least-squares line.
 */
export async function seedLinreg(log: (line: string) => void, verbose: 0 | 1 | 2 = 0): Promise<SeedLinregResult> {
  // --- the seed example, as written (its data in a tidy, so that X.mul(3) and the noise are freed) ---
  const { X, y } = seedData();
  const model = new Sequential([new Dense(1, { inputDim: 1 })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['meanSquaredError'] });
  const first = await model.fit(X, y, { epochs: 100, batchSize: 10, verbose });
  const yPred = model.predict(X);
  // --- end of the seed example ---
  log(`  seed fit (adam 0.001, 100 epochs): loss ${first.history.loss.at(-1)?.toFixed(5)}, yPred[0] ${(await yPred.data())[0].toFixed(3)}`);
  yPred.dispose();

  // Recompiling replaces the optimizer and its state; the weights carry over.
  model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  await model.fit(X, y, { epochs: 100, batchSize: 10, verbose });
  // Full-batch steps at a small rate settle the minibatch jitter onto the least-squares point.
  model.compile({ optimizer: new Adam({ learningRate: 0.005 }), loss: 'meanSquaredError' });
  await model.fit(X, y, { epochs: 200, batchSize: 100, verbose });
  const finalLoss = (await model.evaluate(X, y, { batchSize: 100 })).loss;

  const [kernel, bias] = model.getWeights();
  const weight = (await kernel.data())[0];
  const b = (await bias.data())[0];
  const ls = leastSquares((await X.data()) as Float32Array, (await y.data()) as Float32Array);
  log(`  trained longer: loss ${finalLoss.toFixed(5)}`);
  model.dispose();
  nb.dispose([X, y]);
  return { weight, bias: b, ...ls, finalLoss };
}

/** The seed example's data: 100 points of y = 3x + U[0,1), x in U[0,1) (seeded: the same on every run). */
function seedData(): { X: nb.Tensor; y: nb.Tensor } {
  // In a tidy, so that X.mul(3) and the noise are freed.
  return nb.tidy(() => {
    const X = nb.randomUniform([100, 1], { seed: 1 });
    const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
    return { X, y };
  });
}

export interface SeedTrainResult extends Trained {
  weight: number;
  bias: number;
  lsWeight: number;
  lsBias: number;
  /** Mean squared error over all samples after training. */
  finalLoss: number;
}

/** nabla train seed's defaults: the example's "trained longer" fit (Adam at 0.001 moves the weights too little in 100 epochs). */
export const SEED_TRAIN_DEFAULTS = { epochs: 100, batchSize: 10, learningRate: 0.05 };

/**
 * `nabla train seed`: the seed example's model (one Dense unit, Adam, mean squared error) in one
 * fit, with its weights compared with the least-squares line through the same data. There is no
 * held-out data: every point is the training set.
 */
export async function trainSeed(opts: ExampleOptions = {}): Promise<SeedTrainResult> {
  const { epochs, batchSize, learningRate } = withDefaults(opts, SEED_TRAIN_DEFAULTS);
  const { X, y } = seedData();
  const model = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: new GlorotUniform({ seed: seedOf(opts, 0, 1) }) })]);
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'meanSquaredError', metrics: ['meanAbsoluteError'] });
  const { history, trainSeconds } = await timedFit(model, X, y, opts, { epochs, batchSize, seed: seedOf(opts, 1, 3) });
  const finalLoss = (await model.evaluate(X, y, { batchSize: 100 })).loss;
  const [kernel, bias] = model.getWeights();
  const weight = (await kernel.data())[0];
  const b = (await bias.data())[0];
  const ls = leastSquares((await X.data()) as Float32Array, (await y.data()) as Float32Array);
  nb.dispose([X, y]);
  return { model, history, epochs, trainSamples: 100, trainSeconds, weight, bias: b, ...ls, finalLoss };
}
