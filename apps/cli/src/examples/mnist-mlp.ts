import { createRequire } from 'node:module';
import * as nb from '@nabla/core';
import { Adam, Dense, GlorotUniform, Sequential } from '@nabla/nn';
import { type ExampleOptions, type Settings, seedOf, type Trained, timedFit, withDefaults } from './options.js';

/** What the `mnist` package (CommonJS, untyped) exposes per digit: its 28x28 images, concatenated. */
interface MnistDigit {
  id: number;
  length: number;
  raw: number[];
}

export const PIXELS = 784;

/**
 * All ~10,000 digits of the `mnist` package, in an order fixed by `seed`. The package's own
 * `mnist.set()` shuffles with Math.random, so the images are read from each digit's `raw` array
 * instead and ordered by sorting seeded uniform keys: the same split on every run and backend.
 */
export async function loadDigits(seed: number): Promise<{ images: Float32Array; labels: Int32Array }> {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const source: { digit: MnistDigit; index: number }[] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) source.push({ digit: mnist[d], index: i });
  const keysT = nb.randomUniform([source.length], { seed });
  const keys = await keysT.data();
  keysT.dispose();
  const order = Array.from(source.keys()).sort((a, b) => keys[a] - keys[b]);
  const images = new Float32Array(source.length * PIXELS);
  const labels = new Int32Array(source.length);
  order.forEach((from, to) => {
    const { digit, index } = source[from];
    images.set(digit.raw.slice(index * PIXELS, (index + 1) * PIXELS), to * PIXELS);
    labels[to] = digit.id;
  });
  return { images, labels };
}

/** The MLP's defaults: Adam at Keras's 0.001, batch 64, 3 epochs. */
export const MNIST_MLP_DEFAULTS: Settings = { epochs: 3, batchSize: 64, learningRate: 0.001 };

/** The 784-128-10 MLP, compiled; seeded initial weights give the same result whatever ran before. */
export function mnistModel(opts: ExampleOptions = {}): Sequential {
  const model = new Sequential([
    new Dense(128, { inputShape: [PIXELS], activation: 'relu', kernelInitializer: new GlorotUniform({ seed: seedOf(opts, 0, 1) }) }),
    new Dense(10, { activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: seedOf(opts, 1, 2) }) }),
  ]);
  const { learningRate } = withDefaults(opts, MNIST_MLP_DEFAULTS);
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * The digits as both MNIST examples use them (the same seeded order): up to `samples` of them,
 * the first 80% to train on and the rest held out, each image shaped `sample`.
 */
export async function digitSplit(samples: number | undefined, sample: number[]) {
  const { images, labels } = await loadDigits(42);
  const n = Math.min(samples ?? labels.length, labels.length);
  const nTrain = Math.round(n * 0.8);
  const nTest = n - nTrain;
  return {
    nTrain,
    nTest,
    xTrain: nb.tensor(images.subarray(0, nTrain * PIXELS), [nTrain, ...sample]),
    yTrain: nb.tensor(labels.subarray(0, nTrain), [nTrain], 'int32'),
    xTest: nb.tensor(images.subarray(nTrain * PIXELS, n * PIXELS), [nTest, ...sample]),
    yTest: nb.tensor(labels.subarray(nTrain, n), [nTest], 'int32'),
  };
}

export interface MnistMlpResult extends Trained {
  testAccuracy: number;
  trainSamples: number;
  testSamples: number;
  trainSeconds: number;
  samplesPerSecond: number;
}

/**
 * A 784-128-10 MLP on MNIST digits: Adam, sparse categorical cross-entropy, batch 64, 3 epochs,
 * trained on 80% of the samples and scored on the held-out 20%. `samples` takes fewer digits
 * (still split 80/20, still never trained on) for quick runs. The model is returned: the caller disposes it.
 */
export async function mnistMlp(log: (line: string) => void, opts: ExampleOptions & { samples?: number } = {}): Promise<MnistMlpResult> {
  const { xTrain, yTrain, xTest, yTest, nTrain, nTest } = await digitSplit(opts.samples, [PIXELS]);

  const model = mnistModel(opts);
  const { epochs, batchSize } = withDefaults(opts, MNIST_MLP_DEFAULTS);
  log(`  ${nTrain} training and ${nTest} held-out test digits`);
  const { history, trainSeconds } = await timedFit(model, xTrain, yTrain, opts, {
    epochs,
    batchSize,
    seed: seedOf(opts, 2, 7),
    heldOut: [xTest, yTest],
  });
  const { accuracy } = await model.evaluate(xTest, yTest, { batchSize: 500 });
  nb.dispose([xTrain, yTrain, xTest, yTest]);
  return {
    model,
    history,
    epochs,
    testAccuracy: accuracy,
    trainSamples: nTrain,
    testSamples: nTest,
    trainSeconds,
    samplesPerSecond: (nTrain * epochs) / trainSeconds,
  };
}
