import * as nb from '@nabla/core';
import { Dense, Sequential } from '@nabla/nn';
import { measureInterleaved, type Result } from './harness.js';
import { PEERS, usePeer } from './peers.js';

const EPOCHS = 100;
const BATCH = 10;
const SAMPLES = 100;
const STEPS = EPOCHS * (SAMPLES / BATCH);

/**
 * The seed example's fit: Dense(1) on y = 3x + U[0,1), Adam, mean squared error, 100 epochs of
 * batch 10 (1,000 steps), silent. Each measured run builds, compiles and fits a fresh model, as
 * the seed example does, so per-model costs (tracing, compiling) count. Every implementation is
 * timed round-robin with the others (this machine's speed drifts by tens of percent within
 * minutes). Reported in ms per step.
 */
export async function seedLinregBench(backends: string[]): Promise<Result[]> {
  // The same data for every implementation, made once on nabla's CPU RNG.
  const { X, y } = nb.tidy(() => {
    const X = nb.randomUniform([SAMPLES, 1], { seed: 1 });
    return { X, y: X.mul(3).add(nb.randomUniform([SAMPLES, 1], { seed: 2 })) };
  });
  const [xs, ys] = [Float32Array.from(await X.data()), Float32Array.from(await y.data())];
  nb.dispose([X, y]);

  const impls: Record<string, () => Promise<unknown>> = {};
  // As written (one step per execution), and with Keras's stepsPerExecution = 10 (an epoch).
  for (const backend of backends) {
    for (const stepsPerExecution of [1, 10]) {
      impls[stepsPerExecution === 1 ? `nabla-${backend}` : `nabla-${backend} spe${stepsPerExecution}`] = async () => {
        nb.setBackend(backend);
        const x = nb.tensor(xs, [SAMPLES, 1]);
        const t = nb.tensor(ys, [SAMPLES, 1]);
        const model = new Sequential([new Dense(1, { inputDim: 1 })]);
        model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['meanSquaredError'], stepsPerExecution });
        await model.fit(x, t, { epochs: EPOCHS, batchSize: BATCH, verbose: 0 });
        model.dispose();
        nb.dispose([x, t]);
      };
    }
  }
  for (const peer of PEERS) {
    impls[peer] = async () => {
      const tf = await usePeer(peer);
      const x = tf.tensor2d(xs, [SAMPLES, 1]);
      const t = tf.tensor2d(ys, [SAMPLES, 1]);
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
      // No metric: the peer does less work per step than nabla, which tracks the seed's metric.
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      await model.fit(x, t, { epochs: EPOCHS, batchSize: BATCH, verbose: 0 });
      model.dispose();
      tf.dispose([x, t]);
    };
  }

  const timings = await measureInterleaved(impls, { budgetMs: 20000 });
  return Object.entries(timings).map(([impl, timing]) => ({
    workload: 'seed-linreg',
    size: `${STEPS} steps`,
    impl,
    ...timing,
    value: timing.medianMs / STEPS,
    unit: 'ms/step',
    higherIsBetter: false,
  }));
}
