import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { Dense, data, Sequential } from '../index.js';

/**
 * In a browser (headless Chromium) there is no setImmediate: fit yields through a
 * MessageChannel message. Timers and a page's events then run during a long fit.
 */
test('timers keep firing during a 2,500-step fit in a browser; a signal stops it; fit reads a dataset', async () => {
  expect((globalThis as { setImmediate?: unknown }).setImmediate).toBeUndefined();
  const x = nb.randomUniform([100, 1], { seed: 1 });
  const y = nb.add(nb.mul(x, 3), 1);
  const model = new Sequential([new Dense(1, { inputDim: 1 })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });

  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const start = performance.now();
  await model.fit(x, y, { epochs: 250, batchSize: 10, verbose: 0 });
  const elapsed = performance.now() - start;
  clearInterval(timer);
  expect(model.compiled?.iterations).toBe(2510);
  // Chromium runs a MessageChannel message before due timers at times, so fewer timers run than
  // in Node (8 in a 156 ms fit here), but they keep running: at least one per 100 ms.
  expect(ticks).toBeGreaterThan(0);
  expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 100));

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 0);
  await expect(model.fit(x, y, { epochs: 1000, batchSize: 10, verbose: 0, signal: controller.signal })).rejects.toMatchObject({
    name: 'AbortError',
  });
  expect(model.compiled?.iterations).toBeLessThan(2510 + 10000);

  const h = await model.fit(data.fromArrays(x, y, { batchSize: 10 }), { epochs: 2, verbose: 0 });
  expect(h.history.loss).toHaveLength(2);
  model.dispose();
});
