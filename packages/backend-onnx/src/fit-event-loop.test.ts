import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import { Dense, Sequential } from '@nabla/nn';
import { afterEach, describe, expect, test } from 'vitest';
import './index.js';

/**
 * Issue 11: a long fit shares the process on every backend. Timers keep firing while it runs
 * (it yields to the event loop every few milliseconds of work), and an AbortSignal stops it
 * after the running step. Lives here because nn's tests do not depend on the ONNX backends.
 */
afterEach(() => nb.setBackend('cpu'));

describe.each(['cpu', 'onnx', 'onnx-wasm'])('fit on %s', (backend) => {
  function setup() {
    nb.setBackend(backend);
    const x = nb.randomUniform([100, 1], { seed: 1 });
    const y = nb.add(nb.mul(x, 3), 1);
    const model = new Sequential([new Dense(1, { inputDim: 1 })]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    return { x, y, model };
  }

  test('timers keep firing during a 2,500-step fit', async () => {
    const { x, y, model } = setup();
    // Compiling the step is one stretch of work (about 0.9 s on onnx-wasm): done first, apart.
    await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    const fired: number[] = [];
    const timer = setInterval(() => fired.push(performance.now()), 1);
    const start = performance.now();
    await model.fit(x, y, { epochs: 250, batchSize: 10, verbose: 0 });
    const end = performance.now();
    clearInterval(timer);
    expect(model.compiled?.iterations).toBe(2510);
    const during = fired.filter((t) => t <= end);
    const times = [start, ...during, end];
    const longest = Math.max(...times.slice(1).map((t, i) => t - times[i]));
    expect(during.length).toBeGreaterThan(5);
    // No stretch without a timer comes near the whole fit (250 ms allows for a loaded machine).
    expect(longest).toBeLessThan(Math.max(250, (end - start) / 4));
    model.dispose();
  });

  test('an AbortSignal stops fit within one step', async () => {
    const { x, y, model } = setup();
    const controller = new AbortController();
    let abortedAt = -1;
    const run = model.fit(x, y, {
      epochs: 50,
      batchSize: 10,
      verbose: 0,
      signal: controller.signal,
      callbacks: {
        onBatchBegin: (batch) => {
          if (batch === 7 && abortedAt < 0) {
            abortedAt = model.compiled?.iterations ?? -1;
            controller.abort();
          }
        },
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // Aborted before step 8 ran: that step completes, no other.
    expect(model.compiled?.iterations).toBe(abortedAt + 1);
    model.dispose();
  });
});
