import * as nb from '@nabla/core';
import { Adam, Conv2D, Dense, Dropout, Flatten, GlorotUniform, MaxPooling2D, Sequential } from '@nabla/nn';
import type { DigitGrid } from '../../protocol.js';
import { loadDigits, PIXELS } from '../digits.js';
import type { AnyModel, HostData, Task, Tensors } from './task.js';

/** Digits used: all 10,000 of the package, 80% to train on and 20% held out, as the CLI. */
const SAMPLES = 10_000;
const GRID = 48;

async function split(sample: number[]): Promise<HostData> {
  const { images, labels } = await loadDigits();
  const n = Math.min(SAMPLES, labels.length);
  const nTrain = Math.round(n * 0.8);
  const nTest = n - nTrain;
  return {
    x: { values: images.subarray(0, nTrain * PIXELS), shape: [nTrain, ...sample], dtype: 'float32' },
    y: { values: labels.subarray(0, nTrain), shape: [nTrain], dtype: 'int32' },
    xTest: { values: images.subarray(nTrain * PIXELS, n * PIXELS), shape: [nTest, ...sample], dtype: 'float32' },
    yTest: { values: labels.subarray(nTrain, n), shape: [nTest], dtype: 'int32' },
  };
}

async function report(model: AnyModel, data: Tensors): Promise<string[]> {
  if (!data.xTest || !data.yTest) return [];
  const { accuracy } = await model.evaluate(data.xTest, data.yTest, { batchSize: 500 });
  return [`test accuracy ${(accuracy * 100).toFixed(1)}% on ${data.yTest.shape[0]} held-out digits`];
}

/** The first test digits with the model's predictions. */
async function grid(model: AnyModel, host: HostData, sample: number[]): Promise<DigitGrid> {
  const xTest = host.xTest as HostData['x'];
  const images = xTest.values.subarray(0, GRID * PIXELS) as Float32Array;
  const input = nb.tensor(images, [GRID, ...sample]);
  const probabilities = model.predict(input) as nb.Tensor;
  const best = nb.argMax(probabilities, -1);
  const predictions = Array.from(await best.data());
  nb.dispose([input, probabilities, best]);
  return {
    pixels: Uint8Array.from(images, (v) => Math.round(v * 255)),
    labels: Array.from((host.yTest as HostData['y']).values.subarray(0, GRID)),
    predictions,
  };
}

/** The CLI's MNIST MLP: 784-128-10, relu then softmax, Adam, sparse categorical cross-entropy. */
export const mnistMlpTask: Task = {
  id: 'mnist-mlp',
  kind: 'classification',
  sampleShape: [PIXELS],
  data: () => split([PIXELS]),
  model({ learningRate, seed }) {
    const model = new Sequential(
      [
        new Dense(128, { inputShape: [PIXELS], activation: 'relu', kernelInitializer: new GlorotUniform({ seed }) }),
        new Dense(10, { activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: seed + 1 }) }),
      ],
      { name: 'mnist-mlp' },
    );
    model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  },
  report: (model, data) => report(model, data),
  grid: (model, host) => grid(model, host, [PIXELS]),
};

/** The CLI's small CNN: two 3x3 convolutions with max pooling, dropout, Dense 10 softmax. */
export const mnistCnnTask: Task = {
  id: 'mnist-cnn',
  kind: 'classification',
  sampleShape: [28, 28, 1],
  data: () => split([28, 28, 1]),
  model({ learningRate, seed }) {
    const init = (k: number) => new GlorotUniform({ seed: seed + k });
    const model = new Sequential(
      [
        new Conv2D(16, 3, { inputShape: [28, 28, 1], activation: 'relu', kernelInitializer: init(0) }),
        new MaxPooling2D(2),
        new Conv2D(32, 3, { activation: 'relu', kernelInitializer: init(1) }),
        new MaxPooling2D(2),
        new Flatten(),
        new Dropout(0.25),
        new Dense(10, { activation: 'softmax', kernelInitializer: init(2) }),
      ],
      { name: 'mnist-cnn' },
    );
    model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  },
  report: (model, data) => report(model, data),
  grid: (model, host) => grid(model, host, [28, 28, 1]),
};
