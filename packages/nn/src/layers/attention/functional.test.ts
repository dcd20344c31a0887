import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { loadModel } from '../../io/load.js';
import { Model } from '../../models/model.js';
import { input, type SymbolicTensor } from '../../models/symbolic.js';
import { Adam } from '../../optimizers/adam.js';
import { paddingMask, uniform } from '../../test-utils/attention-reference.js';
import { Dense } from '../dense.js';
import { Embedding } from '../embedding/embedding.js';
import { MultiHeadAttention } from './multi-head-attention.js';

test('cross-attention in a functional model: two inputs, the output and the scores as outputs; it trains, saves and loads', async () => {
  const query = input({ shape: [4, 3] });
  const value = input({ shape: [5, 2] });
  const attention = new MultiHeadAttention(2, 4, { returnAttentionScores: true, name: 'attention' });
  const [attended, scores] = attention.apply([query, value]) as SymbolicTensor[];
  expect(scores.shape).toEqual([null, 2, 4, 5]);
  const out = new Dense(1, { name: 'out' }).apply(attended) as SymbolicTensor;
  const model = new Model({ inputs: [query, value], outputs: [out, scores] });
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: ['meanSquaredError', 'meanSquaredError'], lossWeights: [1, 0] });
  const q = uniform([16, 4, 3], 1);
  const v = uniform([16, 5, 2], 2);
  // Learnable from what the attention passes on: a mean over the values.
  const target = nb.broadcastTo(nb.mean(nb.sum(v, -1, true), 1, true), [16, 4, 1]);
  const history = await model.fit([q, v], [target, nb.zeros([16, 2, 4, 5])], { epochs: 8, batchSize: 8, verbose: 0 });
  const losses = history.history.loss as number[];
  expect(losses[7]).toBeLessThan(losses[0] * 0.5);
  const dir = await mkdtemp(join(tmpdir(), 'nabla-attention-'));
  try {
    await model.save(join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    const [a, b] = model.predict([q, v]) as nb.Tensor[];
    const [c, d] = loaded.predict([q, v]) as unknown as nb.Tensor[];
    expect(await c.data()).toEqual(await a.data());
    expect(await d.data()).toEqual(await b.data());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('self-attention on Embedding(maskZero) tokens: padded keys get no attention, padded queries none at all', async () => {
  const tokens = input({ shape: [5], dtype: 'int32' });
  const embedded = new Embedding(10, 4, { maskZero: true }).apply(tokens) as SymbolicTensor;
  const [, scores] = new MultiHeadAttention(2, 2, { returnAttentionScores: true }).apply([embedded, embedded]) as SymbolicTensor[];
  const model = new Model({ inputs: tokens, outputs: scores });
  const ids = nb.tensor([3, 1, 4, 1, 5, 9, 2, 6, 0, 0], [2, 5], 'int32');
  const s = (await (model.predict(ids) as nb.Tensor).array()) as number[][][][];
  const real = (await paddingMask([5, 3], 5).array()) as boolean[][];
  for (let b = 0; b < 2; b++) {
    for (const head of s[b]) {
      head.forEach((row, i) => {
        expect(row.map((p) => p > 0)).toEqual(real[b].map((key) => real[b][i] && key));
      });
    }
  }
});
