import '@nabla/backend-cpu';
import { expect, test } from 'vitest';
import * as nb from '../index.js';

test('reading several gradients at once, while another read is compiling, keeps the internal tensors they share', async () => {
  // Two gradients of one graph read with Promise.all: the first read finishes while the second
  // awaits its compile, and drops the last reader of the seed both graphs read.
  const w = nb.tensor([0.5, 1, 1.5, 0.75, 1.25, 0.5], [2, 3], 'float64');
  const a = nb.tensor([0.5, -1.2, 2, 1.3, 3, -2.1], [2, 3], 'float64');
  const b = nb.tensor([0.7, 1.9, -0.4], [3], 'float64');
  const first = nb.grad((ts: nb.Tensor[]) => nb.sum(nb.mul(nb.add(ts[0], ts[1]), w)))([a, b]);
  await Promise.all(first.map((g) => g.data()));
  const [ga, gb] = nb.grad((ts: nb.Tensor[]) => nb.sum(nb.mul(nb.sub(ts[0], ts[1]), w)))([a, b]);
  const [da, db] = await Promise.all([ga.data(), gb.data()]);
  expect(Array.from(da)).toEqual([0.5, 1, 1.5, 0.75, 1.25, 0.5]);
  expect(Array.from(db)).toEqual([-1.25, -2.25, -2]);
});
