import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { charTransformer } from './char-transformer.js';
import { iris } from './iris.js';
import { linearRegression } from './linear-regression.js';
import { mnistCnn } from './mnist-cnn.js';
import { mnistMlp } from './mnist-mlp.js';
import { mnistStreamed } from './mnist-streamed.js';
import { seedLinreg } from './seed-linreg.js';
import { sequences } from './sequences.js';
import { twoMoons } from './two-moons.js';

test('linear regression recovers weight ~3 and bias ~0.5, leaving no tensor behind', async () => {
  const before = nb.memory().numTensors;
  const { weight, bias } = await linearRegression(() => {});
  expect(weight).toBeGreaterThan(2.7);
  expect(weight).toBeLessThan(3.3);
  expect(bias).toBeGreaterThan(0.3);
  expect(bias).toBeLessThan(0.7);
  expect(nb.memory().numTensors).toBe(before);
});

test('two moons: the MLP separates what a line cannot, leaving no tensor or buffer behind', async () => {
  const before = nb.memory();
  const { accuracy } = await twoMoons(() => {});
  expect(accuracy).toBeGreaterThanOrEqual(0.95);
  expect(nb.memory().numTensors).toBe(before.numTensors);
  expect(nb.memory().numBuffers).toBe(before.numBuffers);
});

test('seed example with @nabla/nn, trained longer, lands on the least-squares line', async () => {
  const before = nb.memory().numTensors;
  const r = await seedLinreg(() => {}, 0);
  expect(Math.abs(r.weight - 3)).toBeLessThan(0.1);
  expect(Math.abs(r.bias - 0.5)).toBeLessThan(0.1);
  expect(Math.abs(r.weight - r.lsWeight)).toBeLessThan(0.02);
  expect(Math.abs(r.bias - r.lsBias)).toBeLessThan(0.02);
  expect(nb.memory().numTensors).toBe(before);
});

test('Iris: at least 90% on the held-out 20%, leaving only the returned model behind', async () => {
  const before = nb.memory().numTensors;
  const r = await iris(() => {});
  expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
  expect(r.history.history.loss).toHaveLength(100);
  r.model.dispose();
  expect(nb.memory().numTensors).toBe(before);
});

// The full run (8,000 training digits, 3 epochs) takes ~5 s here, so the test uses it as the CLI does,
// from tensors and then from a stream of batches.
test('MNIST: the 784-128-10 MLP reaches 90% on the held-out 20%', async () => {
  const before = nb.memory().numTensors;
  const r = await mnistMlp(() => {}, { verbose: 0 });
  expect(r.testSamples).toBe(2000);
  expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
  r.model.dispose();
  expect(nb.memory().numTensors).toBe(before);

  // The same model trained from a generator of batches (a different shuffle): the same accuracy.
  const s = await mnistStreamed(() => {}, { verbose: 0 });
  s.model.dispose();
  expect(s.trainSamples).toBe(r.trainSamples);
  expect(s.batchesMade).toBe(3 * Math.ceil(8000 / 64) + 4);
  expect(s.testAccuracy).toBeGreaterThanOrEqual(0.9);
  expect(Math.abs(s.testAccuracy - r.testAccuracy)).toBeLessThan(0.02);
  // Every batch the generator made was freed by fit and evaluate.
  expect(nb.memory().numTensors).toBe(before);
}, 120_000);

// Model code does not change with the backend: the same examples on onnxruntime.
test('the seed example and Iris give the same results on the onnx backend', async () => {
  await import('@nabla/backend-onnx');
  nb.setBackend('onnx');
  try {
    const r = await seedLinreg(() => {}, 0);
    expect(Math.abs(r.weight - r.lsWeight)).toBeLessThan(0.02);
    expect(Math.abs(r.bias - r.lsBias)).toBeLessThan(0.02);
    const flowers = await iris(() => {});
    flowers.model.dispose();
    expect(flowers.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect((await twoMoons(() => {})).accuracy).toBeGreaterThanOrEqual(0.95);
  } finally {
    nb.setBackend('cpu');
  }
}, 60_000);

// The full runs take minutes on cpu (`nabla examples --only ...`); these tiny ones check that the
// examples train, return their figures and free what they made.
test('MNIST CNN: one epoch on 1,000 digits learns the digits, leaving no tensor behind', async () => {
  const before = nb.memory().numTensors;
  const r = await mnistCnn(() => {}, { samples: 1000, epochs: 1 });
  r.model.dispose();
  expect(r.testSamples).toBe(200);
  // Chance is 10%; one epoch of 13 steps reaches ~57% here.
  expect(r.testAccuracy).toBeGreaterThan(0.5);
  expect(nb.memory().numTensors).toBe(before);
}, 60_000);

test('character Transformer: a small one on 1,000 names beats the unigram entropy and writes names', async () => {
  const before = nb.memory().numTensors;
  const r = await charTransformer(() => {}, { names: 1000, epochs: 2, dim: 16, blocks: 1, samples: 4 });
  r.model.dispose();
  expect(r.trainNames + r.validationNames).toBe(1000);
  expect(r.validationLoss).toBeLessThan(r.unigramEntropy);
  expect(r.samples).toHaveLength(4);
  for (const name of r.samples) expect(name).toMatch(/^[a-z-]{0,15}$/);
  expect(nb.memory().numTensors).toBe(before);
}, 60_000);

test('sequences: a small LSTM and GRU predict the next value of sine waves far better than repeating the last one', async () => {
  const before = nb.memory().numTensors;
  for (const kind of ['LSTM', 'GRU'] as const) {
    const r = await sequences(kind, () => {}, { samples: 512, length: 10, units: 8, epochs: 8 });
    r.model.dispose();
    expect(r.validationSamples).toBe(128);
    // ~0.012 against ~0.06 here.
    expect(r.validationMse).toBeLessThan(r.persistenceMse / 2);
  }
  expect(nb.memory().numTensors).toBe(before);
}, 60_000);
