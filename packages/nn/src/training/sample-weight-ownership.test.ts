import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../models/sequential.js';

// A float32 [n] sampleWeight passes fit's checks unchanged (its reshape and cast are itself):
// fit and evaluate then freed the user's tensor along with their own.
test('fit, evaluate and trainOnBatch leave the sample weights they were given usable', async () => {
  const model = new Sequential([new Dense(1, { inputDim: 2 })]);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = nb.ones([4, 2]);
  const y = nb.ones([4, 1]);
  const w = nb.tensor([1, 2, 3, 4]);
  const vw = nb.tensor([1, 1, 2, 2]);
  await model.fit(x, y, { sampleWeight: w, validationData: [x, y, vw], verbose: 0 });
  await model.evaluate(x, y, { sampleWeight: w });
  await model.trainOnBatch(x, y, { sampleWeight: w });
  expect(await w.array()).toEqual([1, 2, 3, 4]);
  expect(await vw.array()).toEqual([1, 1, 2, 2]);
  nb.dispose([x, y, w, vw]);
  model.dispose();
});
