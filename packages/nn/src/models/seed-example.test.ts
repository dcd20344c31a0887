import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { Dense, Sequential } from '../index.js';

test('the seed example runs as written', async () => {
  const X = nb.randomUniform([100, 1], { seed: 1 });
  const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
  const model = new Sequential([new Dense(1, { inputDim: 1 })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['meanSquaredError'] });
  const history = await model.fit(X, y, { epochs: 100, batchSize: 10, verbose: 0 });
  const yPred = model.predict(X);
  expect(yPred.shape).toEqual([100, 1]);
  expect(history.history.loss.length).toBe(100);
  expect(history.history.loss[99]).toBeLessThan(history.history.loss[0]);
  expect(history.history.meanSquaredError.length).toBe(100);
});
