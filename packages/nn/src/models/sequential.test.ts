import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Adam, CustomCallback, Dense, Dropout, Flatten, Sequential, SGD } from '../index.js';
import { settledMemory } from '../test-utils/settled-memory.js';

function xorLike(n: number, seed: number) {
  const pts = nb.randomUniform([n, 2], { seed, minval: -1, maxval: 1 });
  const labels = nb.cast(nb.greater(nb.mul(nb.slice(pts, [0, 0], [n, 1]), nb.slice(pts, [0, 1], [n, 1])), 0), 'float32');
  return { x: pts, y: labels };
}

describe('Sequential', () => {
  test('summary prints layers, output shapes and parameter counts', () => {
    const model = new Sequential([new Dense(4, { inputShape: [3], name: 'hidden' }), new Dense(2, { name: 'out' })]);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('hidden (Dense)');
    expect(text).toContain('[null,4]');
    expect(text).toMatch(/out \(Dense\)\s+\[null,2\]\s+10/);
    expect(text).toContain('Total params: 26');
    expect(text).toContain('Trainable params: 26');
  });

  test('builds from the data when no input shape was given', async () => {
    const model = new Sequential();
    model.add(new Flatten());
    model.add(new Dense(3));
    expect(model.predict(nb.ones([2, 2, 2])).shape).toEqual([2, 3]);
    expect(model.countParams()).toBe(4 * 3 + 3); // samples [2,2] flatten to 4
  });

  test('fit converges on a problem a line cannot separate; evaluate agrees with the history', async () => {
    const { x, y } = xorLike(256, 1);
    const model = new Sequential([new Dense(16, { inputDim: 2, activation: 'tanh' }), new Dense(1, { activation: 'sigmoid' })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 60, batchSize: 32, verbose: 0, seed: 3 });
    expect(history.history.accuracy.at(-1)).toBeGreaterThan(0.93);
    expect(history.history.loss.at(-1)).toBeLessThan(history.history.loss[0] / 2);
    const ev = await model.evaluate(x, y, { batchSize: 64 });
    expect(ev.accuracy).toBeGreaterThan(0.93);
    expect(Object.keys(ev)).toEqual(['loss', 'accuracy']);
  });

  test('validationSplit and validationData add val_ entries', async () => {
    const { x, y } = xorLike(100, 2);
    const model = new Sequential([new Dense(1, { inputDim: 2, activation: 'sigmoid' })]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h1 = await model.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.2, verbose: 0 });
    expect(Object.keys(h1.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const h2 = await model.fit(x, y, { epochs: 1, validationData: [x, y], verbose: 0 });
    const ev = await model.evaluate(x, y);
    expect(h2.history.val_loss[0]).toBeCloseTo(ev.loss, 6);
  });

  test('the same seed gives the same training run; shuffling and dropout follow it', async () => {
    const run = async (seed: number) => {
      nb.setSeed(5);
      const { x, y } = xorLike(64, 4);
      const model = new Sequential([
        new Dense(8, { inputDim: 2, activation: 'relu' }),
        new Dropout(0.3),
        new Dense(1, { activation: 'sigmoid' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      return (await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, seed })).history.loss;
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  test('stepsPerExecution gives the same training run, and every batch callback, in fewer executions', async () => {
    const run = async (stepsPerExecution: number) => {
      const { x, y } = xorLike(70, 8); // 70 / 8: eight full batches and a last one of 6
      const model = new Sequential([
        new Dense(8, { inputDim: 2, activation: 'tanh', kernelInitializer: 'ones' }),
        new Dense(1, { activation: 'sigmoid', kernelInitializer: 'ones' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'], stepsPerExecution });
      const batches: number[] = [];
      const h = await model.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        verbose: 0,
        seed: 5,
        callbacks: [new CustomCallback({ onBatchEnd: (b) => void batches.push(b) })],
      });
      return {
        loss: h.history.loss,
        acc: h.history.accuracy,
        weights: await Promise.all(model.getWeights().map((w) => w.data())),
        batches,
      };
    };
    const one = await run(1);
    const four = await run(4);
    expect(four.batches).toEqual(one.batches);
    expect(one.batches.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 0; i < 3; i++) expect(four.loss[i]).toBeCloseTo(one.loss[i], 6);
    expect(four.acc).toEqual(one.acc);
    four.weights.forEach((w, i) => {
      for (let j = 0; j < w.length; j++) expect(w[j]).toBeCloseTo(one.weights[i][j], 5);
    });
    expect(() => new Sequential([new Dense(1, { inputDim: 1 })]).compile({ optimizer: 'sgd', loss: 'mse', stepsPerExecution: 0 })).toThrow(
      "compile: option 'stepsPerExecution' must be a positive integer, got 0 (number)",
    );
  });

  test('epoch logs are the same whether a callback reads every batch or none does', async () => {
    const run = async (callbacks: CustomCallback[], batchSize: number) => {
      const { x, y } = xorLike(70, 8);
      const model = new Sequential([
        new Dense(4, { inputDim: 2, activation: 'tanh', kernelInitializer: 'ones' }),
        new Dense(1, { activation: 'sigmoid', kernelInitializer: 'ones' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      return (await model.fit(x, y, { epochs: 2, batchSize, verbose: 0, seed: 3, callbacks })).history;
    };
    // Batch 1: 70 executions an epoch, so unread stats are also read mid-epoch (64 at most wait);
    // batch 8: a last batch of 6, weighted by its size.
    for (const batchSize of [1, 8]) {
      const batchEnds: number[] = [];
      const watched = await run([new CustomCallback({ onBatchEnd: (b) => void batchEnds.push(b) })], batchSize);
      const unwatched = await run([], batchSize);
      expect(batchEnds).toHaveLength(2 * Math.ceil(70 / batchSize));
      expect(unwatched.loss).toEqual(watched.loss);
      expect(unwatched.accuracy).toEqual(watched.accuracy);
    }
  });

  test('trainOnBatch takes one step on exactly that batch', async () => {
    const model = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: 'zeros' })]);
    model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    // loss = mean((w*x + b - y)^2) with w = b = 0, x = [1, 2], y = [2, 4]: (4 + 16) / 2 = 10
    const logs = await model.trainOnBatch(nb.tensor([[1], [2]]), nb.tensor([[2], [4]]));
    expect(logs.loss).toBe(10);
    // dw = mean(2 (0 - y) x) = (-4 - 16) / 2 = -10 -> w = 1; db = mean(2 (0 - y)) = -6 -> b = 0.6
    const [w, b] = model.getWeights();
    expect(await w.item()).toBeCloseTo(1, 6);
    expect(await b.item()).toBeCloseTo(0.6, 6);
  });

  test('a training loop keeps memory flat', async () => {
    const { x, y } = xorLike(64, 6);
    const model = new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1)]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    const start = await settledMemory();
    await model.fit(x, y, { epochs: 5, batchSize: 10, verbose: 0 });
    const end = await settledMemory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBuffers).toBe(start.numBuffers);
  });

  test('dispose() frees weights, optimizer state and compiled steps', async () => {
    const { x, y } = xorLike(32, 7);
    await nb.realize(x, y);
    const start = await settledMemory();
    const model = new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1)]);
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, validationSplit: 0.25 });
    model.compile({ optimizer: 'sgd', loss: 'mse' }); // releases the first compile's steps and slots
    await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    model.dispose();
    const end = await settledMemory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBuffers).toBe(start.numBuffers);
  });

  test('bad inputs are clear errors', async () => {
    const model = new Sequential([new Dense(1, { inputDim: 2 })]);
    const x = nb.ones([10, 2]);
    await expect(model.fit(x, nb.ones([10, 1]))).rejects.toThrow(
      'fit: the model must be compiled first: call model.compile({ optimizer, loss })',
    );
    expect(() => model.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(/unknown optimizer 'adamm'/);
    expect(() => model.compile({ optimizer: 'adam', loss: 'meanSquaredErr' })).toThrow(/unknown loss 'meanSquaredErr'/);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(model.fit(x, nb.ones([9, 1]))).rejects.toThrow(
      'fit: x and y have different numbers of samples: 10 and 9 (shapes [10,2] and [9,1])',
    );
    await expect(model.fit(nb.ones([10, 3]), nb.ones([10, 1]))).rejects.toThrow('fit: expected x of shape [null,2], got [10,3]');
    expect(() => model.predict(nb.ones([4, 5]))).toThrow('predict: expected x of shape [null,2], got [4,5]');
    await expect(model.fit(x, nb.ones([10, 1]), { epochs: 0 })).rejects.toThrow(
      "fit: option 'epochs' must be a positive integer, got 0 (number)",
    );
    await expect(model.fit(x, nb.ones([10, 2]), { verbose: 0 })).rejects.toThrow(/shape \[10,2\]/);
    expect(() => new Sequential([new Dense(1, { inputDim: 1 }), new Dense(1, { inputDim: 1 })])).toThrow(
      /only the first layer takes inputShape/,
    );
  });
});
