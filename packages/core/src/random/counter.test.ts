import '@nabla/backend-cpu';
import { expect, test } from 'vitest';
import * as nb from '../index.js';

test('randomCounter and philoxUniform draw on the host what a draw gives, seeded or from the global stream', async () => {
  const host = (seed?: number) => {
    const c = nb.randomCounter('test', seed);
    return Array.from(nb.philoxUniform(5, c.subarray(0, 2), c.subarray(2)));
  };
  expect(host(7)).toEqual(Array.from(await nb.randomUniform([5], { seed: 7 }).data()));
  // The stream: a host draw takes the block a device draw would have taken, and the next draw the one after.
  nb.setSeed(3);
  const first = Array.from(await nb.randomUniform([5]).data());
  const second = Array.from(await nb.randomUniform([5]).data());
  nb.setSeed(3);
  expect(host()).toEqual(first);
  expect(Array.from(await nb.randomUniform([5]).data())).toEqual(second);
  expect(first).not.toEqual(second);
});
