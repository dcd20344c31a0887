import * as nb from '@nabla/core';
import { Adam, Dense, LSTM, Sequential } from '@nabla/nn';
import { onCpu, take } from '../on-cpu.js';
import type { HostData, HostTensor, Task } from './task.js';

const LENGTH = 20;
const NOISE = 0.05;

/**
 * Noisy sine waves (as the CLI's sequences example): a sin(w t + phi) plus Gaussian noise of
 * deviation 0.05 at t = 0..19, amplitude in [0.5, 1.5), w in [0.1, 0.5) radians per step; the
 * target is the clean value at t = 20. Uniform draws from nabla's Philox, the rest on the host.
 */
async function waves(samples: number, seed: number): Promise<{ x: HostTensor; y: HostTensor; persistence: number }> {
  const wave = await take(nb.randomUniform([samples, 3], { seed }));
  const u = await take(nb.randomUniform([samples, LENGTH, 2], { seed: seed + 1 }));
  const x = new Float32Array(samples * LENGTH);
  const y = new Float32Array(samples);
  let persistence = 0;
  for (let i = 0; i < samples; i++) {
    const a = 0.5 + wave[3 * i];
    const w = 0.1 + 0.4 * wave[3 * i + 1];
    const phi = 2 * Math.PI * wave[3 * i + 2];
    for (let t = 0; t < LENGTH; t++) {
      const k = i * LENGTH + t;
      const gauss = Math.sqrt(-2 * Math.log(1 - u[2 * k])) * Math.cos(2 * Math.PI * u[2 * k + 1]);
      x[k] = a * Math.sin(w * t + phi) + NOISE * gauss;
    }
    y[i] = a * Math.sin(w * LENGTH + phi);
    persistence += (y[i] - x[(i + 1) * LENGTH - 1]) ** 2;
  }
  return {
    x: { values: x, shape: [samples, LENGTH, 1], dtype: 'float32' },
    y: { values: y, shape: [samples, 1], dtype: 'float32' },
    persistence: persistence / samples,
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
