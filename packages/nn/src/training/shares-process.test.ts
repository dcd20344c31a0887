import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Dense, Sequential } from '../index.js';

/** A small regression problem and two models that start from the same weights. */
function setup(n = 64) {
  const x = nb.randomUniform([n, 3], { seed: 1 });
  const y = nb.sum(x, 1, true);
  const make = () => {
    const m = new Sequential([new Dense(4, { inputDim: 3, activation: 'tanh' }), new Dense(1)]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    return m;
  };
  const a = make();
  const b = make();
  b.setWeights(a.snapshotWeights());
  return { x, y, a, b };
}

async function values(m: Sequential): Promise<number[][]> {
  return Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('fit shares the process', () => {
  test('timers keep firing during a 2,500-step fit', async () => {
    const { x, y, a } = setup(100);
    const fired: number[] = [];
    const timer = setInterval(() => fired.push(performance.now()), 1);
    const start = performance.now();
    await a.fit(x, y, { epochs: 250, batchSize: 10, verbose: 0 });
    const end = performance.now();
    clearInterval(timer);
    expect(a.compiled?.iterations).toBe(2500);
    // Gaps between timer runs while fit ran (the first from fit's start): fit yields every few
    // ms of work, so none comes near the whole fit's length.
    const during = fired.filter((t) => t <= end);
    const gaps = [start, ...during, end].slice(1).map((t, i) => t - [start, ...during][i]);
    expect(during.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(Math.max(250, (end - start) / 4));
  });

  test('evaluate over many batches lets timers run too, and stops on its signal', async () => {
    const { x, y, a } = setup(2000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = performance.now();
    for (let i = 0; i < 10; i++) await a.evaluate(x, y, { batchSize: 2 });
    const elapsed = performance.now() - start;
    clearInterval(timer);
    // 10,000 batches: at least one timer run per 100 ms of evaluation.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 100));
    expect(ticks).toBeGreaterThan(0);
    const controller = new AbortController();
    // Runs at evaluate's first yield, after 8 ms of its 2,000 batches.
    setTimeout(() => controller.abort(), 0);
    await expect(a.evaluate(x, y, { batchSize: 1, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('an AbortSignal stops fit after the running step: AbortError, weights of the last completed step', async () => {
    const { x, y, a, b } = setup(64);
    const controller = new AbortController();
    // One plain epoch first, on both: the optimizer's slots and the compiled step then exist.
    for (const m of [a, b]) await m.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const before = nb.memory().numTensors;
    const run = a.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      verbose: 0,
      signal: controller.signal,
      callbacks: { onBatchEnd: (batch) => (batch === 5 ? controller.abort(new Error('user stop')) : undefined) },
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e as nb.NablaError,
    );
    expect(err).toBeInstanceOf(nb.NablaError);
    expect(err?.name).toBe('AbortError');
    expect(err?.message).toMatch(/^fit: aborted by its signal in epoch 1, after batch 6/);
    expect((err?.cause as Error | undefined)?.message).toBe('user stop');
    expect(a.compiled?.iterations).toBe(8 + 6);
    // Nothing the aborted fit made is left behind.
    expect(nb.memory().numTensors).toBe(before);
    // The same six batches trained without a signal give the same weights.
    await b.fit(nb.slice(x, [0], [48]), nb.slice(y, [0], [48]), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    expect(await values(a)).toEqual(await values(b));
    // The model trains on afterwards.
    await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(a.compiled?.iterations).toBe(22);
  });

  test('an abort from a timer stops a long fit part-way; an aborted signal stops it before any step', async () => {
    const { x, y, a } = setup(100);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(a.fit(x, y, { epochs: 1000, batchSize: 10, verbose: 0, signal: controller.signal })).rejects.toThrow(/aborted/);
    const done = a.compiled?.iterations ?? 0;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(10000);
    await expect(a.fit(x, y, { epochs: 1, verbose: 0, signal: controller.signal })).rejects.toThrow(
      /aborted by its signal before it started/,
    );
    expect(a.compiled?.iterations).toBe(done);
    await expect(a.evaluate(x, y, { signal: controller.signal })).rejects.toThrow(/^evaluate: aborted/);
    await expect(a.fit(x, y, { verbose: 0, signal: {} as AbortSignal })).rejects.toThrow(/signal.*an AbortSignal/);
  });

  test('stopTraining = true ends fit normally at the end of the batch, as TensorFlow.js', async () => {
    const { x, y, a } = setup(64);
    const h = await a.fit(x, y, {
      epochs: 5,
      batchSize: 8,
      verbose: 0,
      callbacks: {
        onBatchEnd: (batch) => {
          if (batch === 2) a.stopTraining = true;
        },
      },
    });
    expect(a.compiled?.iterations).toBe(3);
    expect(h.history.loss).toHaveLength(1);
  });

  test('a second fit, an evaluate, compile, dispose or setWeights during a fit are errors; from a callback they are allowed', async () => {
    const { x, y, a } = setup(64);
    const first = a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    await expect(a.fit(x, y, { verbose: 0 })).rejects.toThrow('fit: this model is already training; await the running fit first');
    await expect(a.evaluate(x, y)).rejects.toThrow(/^evaluate: this model is already training/);
    expect(() => a.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })).toThrow(/^compile: this model is already training/);
    expect(() => a.dispose()).toThrow(/^dispose: this model is already training/);
    expect(() => a.setWeights(a.snapshotWeights())).toThrow(/^setWeights: this model is already training/);
    await expect(a.save('/nonexistent-dir/model')).rejects.toThrow(/^save: this model is already training/);
    await first;
    expect(a.compiled?.iterations).toBe(16);

    // From a hook, the model is at rest: evaluate (even not awaited) runs before the next step.
    const seen: number[] = [];
    await a.fit(x, y, {
      epochs: 2,
      batchSize: 8,
      verbose: 0,
      callbacks: {
        onEpochEnd: () => {
          a.evaluate(x, y).then((r) => seen.push(r.loss));
        },
        onBatchEnd: () => {
          expect(seen.length).toBeLessThanOrEqual(1);
        },
      },
    });
    expect(seen).toHaveLength(2);
    // After fit, everything is allowed again; two evaluates may overlap; fit waits for neither.
    const [r1, r2] = await Promise.all([a.evaluate(x, y), a.evaluate(x, y)]);
    expect(r1.loss).toBe(r2.loss);
    const reading = a.evaluate(x, y);
    await expect(a.fit(x, y, { verbose: 0 })).rejects.toThrow(/^fit: this model is running evaluate; await the running evaluate first/);
    await reading;
    a.dispose();
  });
});
