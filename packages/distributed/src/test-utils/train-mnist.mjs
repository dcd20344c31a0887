// The tests' training script: the MNIST MLP (784-128-10, Adam, batch 64 global) on the `mnist`
// package's digits, with a loss per step. Started by the launcher it trains data-parallel
// (fit's `distributed: fromEnv()`); started by plain Node (NABLA_TEST_SINGLE=1) it is the one
// process the ranks are compared with. Plain JavaScript, run from the built packages (dist/).
//   NABLA_TEST_OUT      folder for rank<r>.json (the per-step losses) and rank<r>.bin (the final weights)
//   NABLA_TEST_SAMPLES  digits to train on (default 3200: 50 steps an epoch)
//   NABLA_TEST_EPOCHS   epochs (default 6: 300 steps)
//   NABLA_TEST_SIGNAL_AT  print `PID <pid> AT <step>` on rank 1 after that step (the kill test), then keep training
//   NABLA_TEST_THROW_AT   rank 1's callback throws after that step (the abort test)
//   NABLA_TEST_CHECKPOINT  folder: rank 0 saves a checkpoint per epoch (epoch-<n>); at the start every
//                          rank loads the latest, optimizer state included, and resumes (torchrun's restarts)
//   NABLA_TEST_DIE_AT      rank 1 kills itself with SIGKILL after that step, on torchrun's first attempt only
//   NABLA_BACKEND          the backend (cpu by default; onnx, onnx-wasm and webgpu load their package)
import '@nabla/backend-cpu';
import { readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { CustomCallback, Dense, GlorotUniform, loadModel, ModelCheckpoint, Sequential } from '@nabla/nn';
import { fromEnv } from '../../dist/index.js';

const PIXELS = 784;
const env = process.env;
// Loaded only when asked for, so that the cpu runs start as fast as before.
if (env.NABLA_BACKEND === 'webgpu') await import('@nabla/backend-webgpu');
else if (env.NABLA_BACKEND?.startsWith('onnx')) await import('@nabla/backend-onnx/node');
const samples = Number(env.NABLA_TEST_SAMPLES ?? 3200);
const epochs = Number(env.NABLA_TEST_EPOCHS ?? 6);
const signalAt = env.NABLA_TEST_SIGNAL_AT === undefined ? -1 : Number(env.NABLA_TEST_SIGNAL_AT);
const throwAt = env.NABLA_TEST_THROW_AT === undefined ? -1 : Number(env.NABLA_TEST_THROW_AT);
const checkpoints = env.NABLA_TEST_CHECKPOINT;
const attempt = Number(env.TORCHELASTIC_RESTART_COUNT ?? 0);
const dieAt = env.NABLA_TEST_DIE_AT === undefined || attempt > 0 ? -1 : Number(env.NABLA_TEST_DIE_AT);

/** n digits, 0-9 in turn, each digit's images in order (the same on every rank and run). */
function digits(n) {
  const mnist = createRequire(import.meta.url)('mnist');
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = i % 10;
    const k = Math.floor(i / 10) % mnist[d].length;
    images.set(mnist[d].raw.slice(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    labels[i] = d;
  }
  return { images, labels };
}

const distributed = env.NABLA_TEST_SINGLE === '1' ? undefined : fromEnv();
const rank = distributed?.rank ?? 0;
const { images, labels } = digits(samples);
const x = nb.tensor(images, [samples, PIXELS]);
const y = nb.tensor(labels, [samples], 'int32');
let model = new Sequential([
  new Dense(128, { inputShape: [PIXELS], activation: 'relu', kernelInitializer: new GlorotUniform({ seed: 1 }) }),
  new Dense(10, { activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: 2 }) }),
]);
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });

const losses = [];
const perStep = new CustomCallback({
  onBatchEnd: (_batch, logs) => {
    losses.push(logs.loss);
    const step = losses.length;
    if (rank === 1 && step === signalAt) console.log(`PID ${process.pid} AT ${step}`);
    if (rank === 1 && step === throwAt) throw new Error(`the test's callback fails at step ${step}`);
    if (rank === 1 && step === dieAt) process.kill(process.pid, 'SIGKILL');
  },
});
const callbacks = [perStep];
let initialEpoch = 0;
if (checkpoints) {
  // Rank 0 finds the latest checkpoint and tells the others where to start; every rank loads it:
  // the weights, and the optimizer's state (Adam's moments and step counter), which fit's
  // handshake checks the ranks agree on.
  const latest = rank === 0 ? Math.max(0, ...readdirSync(checkpoints).map((f) => Number(/^epoch-(\d+)$/.exec(f)?.[1] ?? 0))) : 0;
  const shared = new Float32Array([latest]);
  await distributed.broadcast(shared, 0);
  initialEpoch = shared[0];
  if (initialEpoch > 0) model = await loadModel(join(checkpoints, `epoch-${initialEpoch}`));
  console.log(`rank ${rank}: attempt ${attempt}, starting after epoch ${initialEpoch} at optimizer step ${model.compiled.iterations}`);
  callbacks.push(new ModelCheckpoint({ filepath: join(checkpoints, 'epoch-{epoch}') }));
}
await model.fit(x, y, { epochs, initialEpoch, batchSize: 64, seed: 7, verbose: 0, callbacks, distributed });

const weights = await Promise.all(model.weights.map((w) => w.value.data()));
const flat = new Float32Array(weights.reduce((n, w) => n + w.length, 0));
let at = 0;
for (const w of weights) {
  flat.set(w, at);
  at += w.length;
}
if (env.NABLA_TEST_OUT) {
  writeFileSync(
    join(env.NABLA_TEST_OUT, `rank${rank}.json`),
    JSON.stringify({ rank, worldSize: distributed?.worldSize ?? 1, backend: nb.getBackend(), losses }),
  );
  writeFileSync(join(env.NABLA_TEST_OUT, `rank${rank}.bin`), flat);
}
console.log(`rank ${rank}: ${losses.length} steps, loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(4)}`);
