import '@nabla/backend-cpu';
import './index.js';
import { createRequire } from 'node:module';
import { compare, TOLERANCES } from '@nabla/conformance';
import * as nb from '@nabla/core';
import { Dense, Dropout, GlorotUniform, Sequential } from '@nabla/nn';
import { afterAll, describe, expect, test } from 'vitest';
import type { WebGpuBackend } from './backend.js';

/**
 * Training on webgpu: the seed example and the MNIST MLP give cpu's per-step losses from the same
 * seed; a long run leaves the GPU's buffers flat; the MLP's step compiles its shaders once and a
 * model of another width reuses them.
 */
const gpu = () => nb.getBackendInstance('webgpu') as WebGpuBackend;

afterAll(async () => {
  nb.setBackend('cpu');
  await gpu().destroy();
});

/** Every step's loss, from onBatchEnd (stepsPerExecution 1: one log per step). */
async function stepLosses(model: Sequential, x: nb.Tensor, y: nb.Tensor, epochs: number, batchSize: number): Promise<number[]> {
  const losses: number[] = [];
  await model.fit(x, y, { epochs, batchSize, verbose: 0, seed: 3, callbacks: [{ onBatchEnd: (_b, logs) => void losses.push(logs.loss) }] });
  return losses;
}

function seedModel(): Sequential {
  const model = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: new GlorotUniform({ seed: 4 }) })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return model;
}

async function seedExample(backend: string): Promise<number[]> {
  nb.setBackend(backend);
  const x = nb.randomUniform([100, 1], { seed: 1 });
  const y = x.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
  const model = seedModel();
  const losses = await stepLosses(model, x, y, 10, 10);
  model.dispose();
  nb.dispose([x, y]);
  return losses;
}

const PIXELS = 784;

/** The first `count` digits of the `mnist` package, scaled to [0, 1] as it ships them. */
function digits(count: number): { images: Float32Array; labels: Int32Array } {
  const mnist = createRequire(import.meta.url)('mnist') as { id: number; length: number; raw: number[] }[];
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const digit = mnist[i % 10];
    const k = Math.floor(i / 10);
    images.set(digit.raw.slice(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    labels[i] = digit.id;
  }
  return { images, labels };
}

function mlp(width: number): Sequential {
  const model = new Sequential([
    new Dense(width, { inputShape: [PIXELS], activation: 'relu', kernelInitializer: new GlorotUniform({ seed: 1 }) }),
    new Dropout(0.2, { seed: 5 }),
    new Dense(10, { activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: 2 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function mnistMlp(backend: string, width: number, count: number, epochs: number): Promise<number[]> {
  nb.setBackend(backend);
  const { images, labels } = digits(count);
  const x = nb.tensor(images, [count, PIXELS]);
  const y = nb.tensor(labels, [count], 'int32');
  const model = mlp(width);
  const losses = await stepLosses(model, x, y, epochs, 64);
  model.dispose();
  nb.dispose([x, y]);
  return losses;
}

/** Within the conformance suite's tolerance for one training run's losses on two backends. */
const closeLosses = (got: number[], want: number[]) => {
  const r = compare(got, want, TOLERANCES.crossTrainingLoss);
  expect(r.pass, `per-step losses, webgpu against cpu: ${r.detail}`).toBe(true);
};

describe('training on webgpu', () => {
  test('the seed example: the same per-step losses as cpu', async () => {
    const want = await seedExample('cpu');
    const got = await seedExample('webgpu');
    expect(want.length).toBe(100);
    closeLosses(got, want);
  });

  test('the MNIST MLP with Dropout: the same per-step losses as cpu', async () => {
    const want = await mnistMlp('cpu', 128, 640, 2);
    const got = await mnistMlp('webgpu', 128, 640, 2);
    expect(want.length).toBe(20);
    closeLosses(got, want);
  });

  test('200 training steps leave the GPU buffer count and bytes flat', async () => {
    nb.setBackend('webgpu');
    const { images, labels } = digits(256);
    const x = nb.tensor(images, [256, PIXELS]);
    const y = nb.tensor(labels, [256], 'int32');
    const model = mlp(32);
    await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 }); // 40 steps: warm-up, every buffer made
    const before = gpu().stats();
    await model.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0 }); // 200 steps
    const after = gpu().stats();
    expect(after.buffers).toBe(before.buffers);
    expect(after.bytes).toBe(before.bytes);
    model.dispose();
    nb.dispose([x, y]);
  });

  test("the MLP's training step compiles its shaders once; a model of another width reuses them", async () => {
    nb.setBackend('webgpu');
    await mnistMlp('webgpu', 48, 128, 1);
    const first = gpu().stats().shaderModules;
    await mnistMlp('webgpu', 48, 128, 2);
    expect(gpu().stats().shaderModules).toBe(first);
    await mnistMlp('webgpu', 80, 128, 1);
    expect(gpu().stats().shaderModules).toBe(first);
  });
});
