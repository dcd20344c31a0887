import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { Dense, data, Sequential } from '../index.js';

function model(): Sequential {
  const m = new Sequential([new Dense(1, { inputDim: 2 })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

test('predict, fit and evaluate name themselves and the argument when x or y is not tensor data', async () => {
  const m = model();
  function* batches() {
    yield nb.ones([2, 2]);
  }
  // A generator or dataset is not array data: the error says so, naming predict and x.
  expect(() => m.predict(batches() as never)).toThrow('predict: x must be a tensor or an array of numbers, got an object');
  const ds = data.fromArrays(nb.ones([2, 2]), nb.ones([2, 1]), { batchSize: 1 });
  expect(() => m.predict(ds as never)).toThrow('predict: x must be a tensor or an array of numbers, got a Dataset');
  // A bad value inside array data keeps nb.tensor's message, after the method and argument.
  expect(() => m.predict([['a', 1]] as never)).toThrow(/^predict: x: tensor: value 'a' \(string\) at flat index 0/);
  await expect(m.fit(nb.ones([2, 2]), [[1], ['b']] as never, { epochs: 1, verbose: 0 })).rejects.toThrow(/^fit: y: tensor: value 'b'/);
  await expect(m.evaluate(nb.ones([2, 2]), { y: 1 } as never, { verbose: 0 })).rejects.toThrow(
    'evaluate: y must be a tensor or an array of numbers, got an object',
  );
  // Array data and typed arrays still convert.
  expect(m.predict([[1, 2]]).shape).toEqual([1, 1]);
  expect(m.predict(nb.tensor(new Float32Array([1, 2, 3, 4]), [2, 2])).shape).toEqual([2, 1]);
});
