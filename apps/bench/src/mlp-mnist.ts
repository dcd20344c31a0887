import * as nb from '@nabla/core';
import { measure, type Result } from './harness.js';
import { mnistDigits, mnistMlp, PIXELS } from './mnist-data.js';
import { PEERS, usePeer } from './peers.js';

const SAMPLES = 2560;
const BATCH = 64;

/**
 * Training throughput of a 784-128(relu)-10(softmax) MLP, Adam, sparse categorical
 * cross-entropy, batch 64: one epoch over 2,560 digits (40 steps) per measured run, on one model
 * per implementation (the warm-up run pays for tracing and compiling). Samples per second.
 * Timed one implementation after the other, each for about 4 seconds (up to 100 runs), as a
 * training run goes: onnxruntime runs this model on both cores, and this machine's second core
 * runs slow for a while whenever it has been idle. Round-robin, after each of TensorFlow.js's
 * single-threaded runs, nabla-onnx measured 28,000-52,000 samples/s; timed over 25 runs (0.8 s)
 * right after the cpu backend, 51,000-80,000; over 100 runs, 79,000-105,000. seed-linreg, on one
 * thread, is not affected and is timed round-robin.
 */
export async function mlpMnistBench(backends: string[]): Promise<Result[]> {
  const results: Result[] = [];
  const size = `${SAMPLES} samples, batch ${BATCH}`;
  const throughput = (ms: number) => SAMPLES / (ms / 1000);
  const { images, labels } = mnistDigits(SAMPLES);

  for (const backend of backends) {
    nb.setBackend(backend);
    const x = nb.tensor(images, [SAMPLES, PIXELS]);
    const y = nb.tensor(labels, [SAMPLES], 'int32');
    const model = mnistMlp();
    const timing = await measure(() => model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 }), { budgetMs: 4000, maxRuns: 100 });
    model.dispose();
    nb.dispose([x, y]);
    results.push({
      workload: 'mlp-mnist',
      size,
      impl: `nabla-${backend}`,
      ...timing,
      value: throughput(timing.medianMs),
      unit: 'samples/s',
    });
  }

  for (const peer of PEERS) {
    const tf = await usePeer(peer);
    const x = tf.tensor2d(images, [SAMPLES, PIXELS]);
    // TensorFlow.js's sparse loss wants float labels.
    const y = tf.tensor1d(Float32Array.from(labels));
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 128, inputShape: [PIXELS], activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const timing = await measure(() => model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 }), { budgetMs: 4000, maxRuns: 100 });
    model.dispose();
    tf.dispose([x, y]);
    results.push({ workload: 'mlp-mnist', size, impl: peer, ...timing, value: throughput(timing.medianMs), unit: 'samples/s' });
  }
  return results;
}
