import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import { BatchNormalization, Dense, Embedding, Flatten, Sequential, SGD } from '@nabla/nn';
import { afterEach, describe, expect, test } from 'vitest';
import type { OnnxBackend } from './backend.js';
import './index.js';

afterEach(() => nb.setBackend('cpu'));

const X = Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.9) * 2);
const Y = Array.from({ length: 12 }, (_, i) => Math.sin(i));
const IDS = [0, 1, 1, 4, 2, 0, 3, 3, 3, 1, 0, 4, 2, 4, 1, 0, 0, 2, 1, 1, 3, 2, 2, 0];

/** Dense -> BatchNormalization -> Dense, or Embedding -> Flatten -> Dense, with fixed initial weights. */
function model(kind: 'batchNormalization' | 'embedding'): Sequential {
  const layers =
    kind === 'batchNormalization'
      ? [new Dense(3, { inputDim: 2 }), new BatchNormalization({ momentum: 0.8 }), new Dense(1)]
      : [new Embedding(5, 2, { inputShape: [2] }), new Flatten(), new Dense(1)];
  const m = new Sequential(layers);
  m.build([2]);
  m.setWeights(
    m.weights.map((w, k) =>
      nb.tensor(
        Array.from(
          { length: w.shape.reduce((a, b) => a * b, 1) },
          (_, i) => Math.sin(i + 3 * k) * 0.5 + (w.name.endsWith('Variance') ? 1 : 0),
        ),
        [...w.shape],
      ),
    ),
  );
  m.compile({ optimizer: new SGD(0.1), loss: 'meanSquaredError', stepsPerExecution: 2 });
  return m;
}

async function fitOn(backend: string, kind: 'batchNormalization' | 'embedding') {
  nb.setBackend(backend);
  const m = model(kind);
  const x = kind === 'embedding' ? nb.tensor(IDS, [12, 2], 'int32') : nb.tensor(X, [12, 2]);
  const y = nb.tensor(Y, [12, 1]);
  const history = await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
  const weights = await Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
  return { m, x, y, loss: history.history.loss, weights };
}

const CASES = [
  ['batchNormalization', 'onnx'],
  ['embedding', 'onnx'],
  ['batchNormalization', 'onnx-wasm'],
  ['embedding', 'onnx-wasm'],
] as const;

describe.each(CASES)('%s model: fit on %s', (kind, name) => {
  test('each execution of the training step is one onnxruntime run, and the weights are the cpu backend’s', async () => {
    const cpu = await fitOn('cpu', kind);
    const backend = nb.getBackendInstance(name) as OnnxBackend;
    const run = backend.run.bind(backend);
    let runs = 0;
    backend.run = (exe, inputs) => {
      runs++;
      return run(exe, inputs);
    };
    try {
      const onnx = await fitOn(name, kind);
      // 3 epochs of 3 batches, 2 steps per execution: 2 executions per epoch (2 steps, then 1).
      expect(runs).toBe(6);
      const sessions = backend.sessionsCreated;
      await onnx.m.fit(onnx.x, onnx.y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
      expect(backend.sessionsCreated).toBe(sessions);
      // float32 on both; onnxruntime sums in another order: a few ulps per step over 9 steps.
      for (let i = 0; i < cpu.loss.length; i++) expect(Math.abs(onnx.loss[i] - cpu.loss[i])).toBeLessThan(1e-5);
      for (let k = 0; k < cpu.weights.length; k++) {
        for (let i = 0; i < cpu.weights[k].length; i++) expect(Math.abs(onnx.weights[k][i] - cpu.weights[k][i])).toBeLessThan(1e-5);
      }
      if (kind === 'batchNormalization') {
        // The moving statistics moved inside the step (momentum 0.8, 9 steps).
        expect(onnx.weights[4]).not.toEqual(Array.from({ length: 3 }, (_, i) => Math.sin(i + 12) * 0.5));
      }
      onnx.m.dispose();
    } finally {
      backend.run = run;
      cpu.m.dispose();
    }
  });
});

test('an out-of-range Embedding index in fit is the cpu backend’s error', async () => {
  for (const backend of ['cpu', 'onnx', 'onnx-wasm']) {
    nb.setBackend(backend);
    const m = model('embedding');
    const ids = nb.tensor([...IDS.slice(0, 22), 5, 0], [12, 2], 'int32');
    await expect(m.fit(ids, nb.tensor(Y, [12, 1]), { batchSize: 12, shuffle: false, verbose: 0 })).rejects.toThrow(
      /: index 5 at position \[11,0\] is out of range for the Embedding's inputDim 5$/,
    );
    m.dispose();
  }
});
