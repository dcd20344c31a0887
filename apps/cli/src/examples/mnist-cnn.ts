import * as nb from '@nabla/core';
import { Adam, Conv2D, Dense, Dropout, Flatten, GlorotUniform, MaxPooling2D, Sequential } from '@nabla/nn';
import { digitSplit } from './mnist-mlp.js';
import { type ExampleOptions, type Settings, seedOf, type Trained, timedFit, withDefaults } from './options.js';

/** The CNN's defaults: Adam at 0.003, batch 64, 8 epochs. */
export const MNIST_CNN_DEFAULTS: Settings = { epochs: 8, batchSize: 64, learningRate: 0.003 };

/** The small CNN, compiled; seeded initial weights give the same result whatever ran before. */
export function mnistCnnModel(opts: ExampleOptions = {}): Sequential {
  const init = (k: number) => new GlorotUniform({ seed: seedOf(opts, k - 1, k) });
  const model = new Sequential([
    new Conv2D(16, 3, { inputShape: [28, 28, 1], activation: 'relu', kernelInitializer: init(1) }),
    new MaxPooling2D(2),
    new Conv2D(32, 3, { activation: 'relu', kernelInitializer: init(2) }),
    new MaxPooling2D(2),
    new Flatten(),
    new Dropout(0.25),
    new Dense(10, { activation: 'softmax', kernelInitializer: init(3) }),
  ]);
  const { learningRate } = withDefaults(opts, MNIST_CNN_DEFAULTS);
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export interface MnistCnnResult extends Trained {
  testAccuracy: number;
  testSamples: number;
  samplesPerSecond: number;
}

/**
 * A CNN on the MNIST digits of the `mnist` package (Conv2D 16 3x3 relu, max pool, Conv2D 32 3x3
 * relu, max pool, flatten, dropout 0.25, Dense 10 softmax; Adam at 0.003, batch 64, 8 epochs): trained on 80% of
 * the digits (the same seeded split as the MLP) and scored on the held-out 20%. `samples` takes
 * fewer digits (still split 80/20) and `epochs` fewer epochs, for quick runs. The model is
 * returned: the caller disposes it.
 */
export async function mnistCnn(log: (line: string) => void, opts: ExampleOptions & { samples?: number } = {}): Promise<MnistCnnResult> {
  const { xTrain, yTrain, xTest, yTest, nTrain, nTest } = await digitSplit(opts.samples, [28, 28, 1]);

  const model = mnistCnnModel(opts);
  const { epochs, batchSize } = withDefaults(opts, MNIST_CNN_DEFAULTS);
  log(`  ${nTrain} training and ${nTest} held-out test digits, ${epochs} epochs`);
  const { history, trainSeconds } = await timedFit(model, xTrain, yTrain, opts, {
    epochs,
    batchSize,
    seed: seedOf(opts, 3, 7),
    heldOut: [xTest, yTest],
  });
  const { accuracy } = await model.evaluate(xTest, yTest, { batchSize: 500 });
  nb.dispose([xTrain, yTrain, xTest, yTest]);
  return {
    model,
    history,
    testAccuracy: accuracy,
    trainSamples: nTrain,
    testSamples: nTest,
    epochs,
    trainSeconds,
    samplesPerSecond: (nTrain * epochs) / trainSeconds,
  };
}
