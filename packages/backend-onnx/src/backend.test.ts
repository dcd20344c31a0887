import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import { Dense, Sequential } from '@nabla/nn';
import { afterEach, describe, expect, test } from 'vitest';
import type { OnnxBackend } from './backend.js';
import { usesNativeSessions } from './index.js';

afterEach(() => nb.setBackend('onnx'));

test('onnx-wasm says that its runs copy every input (fit then gathers batches on the host); onnx reads them in place', () => {
  expect(nb.getBackendInstance('onnx-wasm').capabilities.copiesInputsPerRun).toBe(true);
  expect(nb.getBackendInstance('onnx').capabilities.copiesInputsPerRun).toBe(false);
});

describe.each(['onnx', 'onnx-wasm'])('%s backend', (name) => {
  test('runs a whole training step as compiled ONNX and keeps values in onnxruntime', async () => {
    nb.setBackend(name);
    const x = nb.tensor([[1], [2], [3]]);
    const w = nb.tensor([[0.5]]);
    const { value, grads } = nb.valueAndGrad((p: nb.Tensor) => nb.mean(nb.square(nb.sub(nb.matmul(x, p), nb.mul(x, 2)))))(w);
    // loss = mean((0.5x - 2x)^2) = 2.25 * mean(x^2) = 2.25 * 14/3 = 10.5; d/dw = mean(2 (0.5x - 2x) x) = -3 * 14/3 = -14
    expect(await value.item()).toBeCloseTo(10.5, 5);
    expect(await grads.item()).toBeCloseTo(-14, 5);
    expect(() => value.dataSync()).toThrow(`backend '${name}' cannot compute synchronously`);
  });

  test("estimates an executable's bytes for core's cache: its values, and its session's model once made", async () => {
    nb.setBackend(name);
    const x = nb.ones([12_345]);
    await x.data();
    const before = nb.cacheStats(name).bytes;
    const y = nb.exp(nb.mul(x, 3));
    await y.data();
    const grown = nb.cacheStats(name).bytes - before;
    // Two values of 12,345 float32 (the product and the exponential), and a model of some size.
    expect(grown).toBeGreaterThan(2 * 12_345 * 4);
    expect(grown).toBeLessThan(2 * 12_345 * 4 + 100_000);
    nb.dispose([x, y]);
  });

  test('constants folded while lowering give bit for bit what the cpu backend computes', async () => {
    const f = (x: nb.Tensor) => {
      const c = nb.div(nb.scalar(1), nb.scalar(3)); // 1/3 rounds in float32
      const spread = nb.broadcastTo(nb.reshape(nb.sqrt(nb.mul(c, 7)), [1, 1]), [4, 1]);
      return nb.add(nb.mul(x, nb.neg(spread)), nb.cast(nb.sub(nb.scalar(0.1, 'float64'), 1e-9), 'float32'));
    };
    const x = [[1], [2], [3], [4]];
    nb.setBackend('cpu');
    const expected = await f(nb.tensor(x)).data();
    nb.setBackend(name);
    const jitted = nb.jit(({ x }: { x: nb.Tensor }) => f(x));
    expect(Array.from(await (await jitted({ x: nb.tensor(x) })).data())).toEqual(Array.from(expected));
    jitted.dispose();
    // A result that folds to a constant entirely is still an output of its own (not packed: the
    // other output is large).
    const constant = nb.jit(({ x }: { x: nb.Tensor }) => ({ c: nb.mul(nb.div(nb.scalar(1), nb.scalar(4)), 2), big: nb.add(x, 1) }));
    const r = await constant({ x: nb.zeros([5000]) });
    expect(await r.c.item()).toBe(0.5);
    expect((await r.big.data())[4999]).toBe(1);
    constant.dispose();
    nb.dispose(r);
  });

  test('an index that onnxruntime rejects is reported as on every backend (index-checks.test.ts has the rest)', async () => {
    nb.setBackend(name);
    const y = nb.gather(nb.tensor([1, 2, 3]), nb.tensor([5], [1], 'int32'));
    await expect(y.data()).rejects.toThrow('gather: index 5 at position [0] is out of range for axis 0 of size 3');
  });
});

test("onnx calls onnxruntime-node's native sessions directly (a newer onnxruntime-node may need ort-node.ts updated)", () => {
  expect(usesNativeSessions).toBe(true);
});

describe('training on onnx', () => {
  test('fit creates a fixed number of sessions however many epochs run (the last, smaller batch included)', async () => {
    nb.setBackend('onnx');
    const backend = nb.getBackendInstance('onnx') as OnnxBackend;
    const x = nb.randomUniform([95, 1], { seed: 1 });
    const y = nb.add(nb.mul(x, 3), 0.5);
    const model = new Sequential([new Dense(1, { inputDim: 1 })]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0 });
    const afterTwo = backend.sessionsCreated;
    await model.fit(x, y, { epochs: 10, batchSize: 10, verbose: 0 });
    expect(backend.sessionsCreated).toBe(afterTwo);
    model.dispose();
    nb.dispose([x, y]);
  });

  test('200 training steps keep nabla tensors, buffers and process memory flat', async () => {
    nb.setBackend('onnx');
    const x = nb.randomNormal([64, 32], { seed: 2 });
    const y = nb.cast(nb.greater(nb.sum(x, { axis: 1, keepDims: true }), 0), 'float32');
    const model = new Sequential([new Dense(64, { inputDim: 32, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })]);
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 }); // warm up: 20 steps
    const start = nb.memory();
    const rss = process.memoryUsage().rss;
    await model.fit(x, y, { epochs: 50, batchSize: 16, verbose: 0 }); // 200 steps
    expect(nb.memory().numTensors).toBe(start.numTensors);
    expect(nb.memory().numBuffers).toBe(start.numBuffers);
    // Bound: 50 MB. A leak of one batch's activations per step would be 200 x 16 x 64 x 4 B = 0.8 MB;
    // a leaked session per step, tens of MB.
    expect(process.memoryUsage().rss - rss).toBeLessThan(50 * 2 ** 20);
    model.dispose();
  });
});
