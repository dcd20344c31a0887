import { sineWaves } from '@nabla/cli/examples/data/sine';
import * as nb from '@nabla/core';
import { Adam, Dense, LSTM, Sequential } from '@nabla/nn';
import { onCpu, take } from '../on-cpu.js';
import type { HostData, HostTensor, Task } from './task.js';

const LENGTH = 20;
const NOISE = 0.05;

/** The CLI's sequences data (noisy waves, the clean next value as target), made on cpu and taken to the host. */
async function waves(samples: number, seed: number): Promise<{ x: HostTensor; y: HostTensor; persistence: number }> {
  const { x, y, persistenceMse } = await sineWaves({ samples, length: LENGTH, noise: NOISE, seed });
  return {
    x: { values: await take(x), shape: [samples, LENGTH, 1], dtype: 'float32' },
    y: { values: await take(y), shape: [samples, 1], dtype: 'float32' },
    persistence: persistenceMse,
  };
}

let persistenceMse = Number.NaN;

/** LSTM(32) then Dense(1), predicting the next value of a noisy wave; mean squared error. */
export const lstmTask: Task = {
  id: 'lstm',
  kind: 'regression',
  async data(): Promise<HostData> {
    return onCpu(async () => {
      const train = await waves(1000, 1);
      const test = await waves(250, 3);
      persistenceMse = test.persistence;
      return { x: train.x, y: train.y, xTest: test.x, yTest: test.y };
    });
  },
  model({ learningRate, seed }) {
    // The LSTM's initializers draw from the global stream, which the seed fixes.
    nb.setSeed(seed);
    const model = new Sequential([new LSTM(32, { inputShape: [LENGTH, 1] }), new Dense(1)], { name: 'lstm' });
    model.compile({ optimizer: new Adam({ learningRate }), loss: 'meanSquaredError' });
    return model;
  },
  async report(model, data) {
    if (!data.xTest || !data.yTest) return [];
    const { loss } = await model.evaluate(data.xTest, data.yTest, { batchSize: 250 });
    return [
      `held-out MSE ${loss.toFixed(5)}; repeating the last observation: ${persistenceMse.toFixed(5)}; the noise's variance: ${(NOISE * NOISE).toFixed(5)}`,
    ];
  },
};
