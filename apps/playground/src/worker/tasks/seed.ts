import * as nb from '@nabla/core';
import { Adam, Dense, GlorotUniform, Sequential } from '@nabla/nn';
import { onCpu, take } from '../on-cpu.js';
import type { HostData, Task } from './task.js';

/** Ordinary least squares for one feature, in float64: the line training should find. */
function leastSquares(x: Float32Array, y: Float32Array): { w: number; b: number } {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return { w: sxy / sxx, b: my - (sxy / sxx) * mx };
}

/**
 * nabla's seed example: y = 3x + U[0,1) on 100 points, fitted by one Dense unit with Adam and
 * mean squared error. The answer is known: the least-squares line (slope about 3, intercept about 0.5).
 */
export const seedTask: Task = {
  id: 'seed',
  kind: 'regression',
  async data(): Promise<HostData> {
    return onCpu(async () => {
      const x = await take(nb.randomUniform([100, 1], { seed: 1 }));
      const noise = await take(nb.randomUniform([100, 1], { seed: 2 }));
      const y = x.map((v, i) => 3 * v + noise[i]);
      return { x: { values: x, shape: [100, 1], dtype: 'float32' }, y: { values: y, shape: [100, 1], dtype: 'float32' } };
    });
  },
  model({ learningRate, seed }) {
    const model = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: new GlorotUniform({ seed }) })], { name: 'seed' });
    model.compile({ optimizer: new Adam({ learningRate }), loss: 'meanSquaredError' });
    return model;
  },
  async report(model, _data, host) {
    const [kernel, bias] = model.getWeights();
    const w = (await kernel.data())[0];
    const b = (await bias.data())[0];
    const ls = leastSquares(host.x.values as Float32Array, host.y.values as Float32Array);
    return [`learned y = ${w.toFixed(3)} x + ${b.toFixed(3)}; least squares: y = ${ls.w.toFixed(3)} x + ${ls.b.toFixed(3)}`];
  },
};
