import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test, vi } from 'vitest';
import { Dense, type LossFn, Sequential, SGD, sparseCategoricalCrossentropy, sparseCategoricalCrossentropyLoss } from '../index.js';

// A bad class label is reported by its position in the y the user gave, not by its position in
// a shuffled batch (which the compiled step sees): fit, fit's validation data and evaluate.

const N = 40;
const X = Array.from({ length: N }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
const labels = (bad: Record<number, number> = {}) => Array.from({ length: N }, (_, i) => bad[i] ?? i % 3);

function model(loss: string | LossFn = 'sparseCategoricalCrossentropy') {
  const m = new Sequential([new Dense(3, { inputDim: 2, kernelInitializer: 'ones', biasInitializer: 'zeros' })]);
  m.compile({ optimizer: new SGD(0.1), loss, metrics: ['acc'] });
  return m;
}

async function weightsOf(m: Sequential): Promise<number[]> {
  const out: number[] = [];
  for (const w of m.getWeights()) out.push(...(await w.data()));
  return out;
}

const range = "out of range for sparseCategoricalCrossentropy's 3 classes";

describe("fit and evaluate name a bad label's position in the user's y", () => {
  test('fit with shuffling reports y[i], before any step', async () => {
    const m = model();
    m.build([2]);
    const before = await weightsOf(m);
    const y = nb.tensor(labels({ 29: 5 }), [N], 'int32');
    await expect(m.fit(nb.tensor(X), y, { epochs: 2, batchSize: 8, shuffle: true, verbose: 0 })).rejects.toThrow(
      `fit: y[29] is 5, ${range}`,
    );
    // No step ran: the weights are as they were.
    expect(await weightsOf(m)).toEqual(before);
  });

  test('labels of shape [n, 1], negative, NaN and float labels', async () => {
    const column = labels({ 17: 3 }).map((v) => [v]);
    await expect(model().fit(X, column, { batchSize: 8, verbose: 0 })).rejects.toThrow(`fit: y[17,0] is 3, ${range}`);
    await expect(model().fit(X, labels({ 3: -1 }), { batchSize: 8, verbose: 0 })).rejects.toThrow(`fit: y[3] is -1, ${range}`);
    await expect(model().fit(X, labels({ 8: Number.NaN }), { batchSize: 8, verbose: 0 })).rejects.toThrow(`fit: y[8] is NaN, ${range}`);
    await expect(model().fit(X, labels({ 11: 3.5 }), { batchSize: 8, verbose: 0 })).rejects.toThrow(`fit: y[11] is 3.5, ${range}`);
  });

  test('the y split off by validationSplit is named by its position in the whole y', async () => {
    // Samples 32..39 are the validation part; 36 is bad.
    await expect(model().fit(X, labels({ 36: 4 }), { validationSplit: 0.2, batchSize: 8, verbose: 0 })).rejects.toThrow(
      `fit: y[36] is 4, ${range}`,
    );
  });

  test('validationData given as arrays: its y, by position', async () => {
    const vx = X.slice(0, 10);
    const vy = labels({ 6: 7 }).slice(0, 10);
    await expect(model().fit(X, labels(), { validationData: [vx, vy], batchSize: 8, verbose: 0 })).rejects.toThrow(
      `fit (validationData): y[6] is 7, ${range}`,
    );
    // With a dataset to train on, too.
    const train = () => [{ xs: X.slice(0, 8), ys: labels().slice(0, 8) }];
    await expect(model().fit(train, { validationData: [vx, vy], verbose: 0 })).rejects.toThrow(`fit (validationData): y[6] is 7, ${range}`);
  });

  test('evaluate reports y[i]', async () => {
    const m = model();
    await expect(m.evaluate(X, labels({ 33: 3 }), { batchSize: 8 })).rejects.toThrow(`evaluate: y[33] is 3, ${range}`);
  });

  test('evaluate from a fit callback, not awaited, still runs with the model at rest', async () => {
    const m = model();
    const y = labels();
    const seen: number[] = [];
    await m.fit(X, y, {
      epochs: 2,
      batchSize: 8,
      verbose: 0,
      callbacks: { onEpochEnd: () => void m.evaluate(X, y).then((r) => seen.push(r.loss)) },
    });
    expect(seen).toHaveLength(2);
    expect(seen.every(Number.isFinite)).toBe(true);
  });

  test('a run with good labels is unaffected: the same as the loss unchecked on the host', async () => {
    // A function of the user's is not known to take class indices: its labels are checked in the step only.
    const unchecked: LossFn = (t, p) => sparseCategoricalCrossentropy(t, p);
    const opts = { epochs: 2, batchSize: 8, shuffle: true, seed: 7, verbose: 0 as const, validationSplit: 0.25 };
    const y = labels().map((v) => v + 0.5); // non-integers are truncated, as TensorFlow.js does
    const a = model();
    const b = model(unchecked);
    const ha = await a.fit(X, y, opts);
    const hb = await b.fit(X, y, opts);
    expect(ha.history.loss.every(Number.isFinite)).toBe(true);
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(ha.history.val_loss).toEqual(hb.history.val_loss);
    expect(await weightsOf(a)).toEqual(await weightsOf(b));
    expect(await a.evaluate(X, y)).toEqual(await b.evaluate(X, y));
  });

  test('y is read once per fit with sparse labels, and not at all with other losses', async () => {
    const y = nb.tensor(labels(), [N], 'int32');
    const read = vi.spyOn(y, 'data');
    await model(sparseCategoricalCrossentropyLoss({ fromLogits: true })).fit(X, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(read).toHaveBeenCalledTimes(1);
    const targets = nb.tensor(X.map(([a, b]) => [a, b, a + b]));
    const readTargets = vi.spyOn(targets, 'data');
    await model('meanSquaredError').fit(X, targets, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(readTargets).not.toHaveBeenCalled();
  });

  test('a dataset keeps the check in the step, which names the batch', async () => {
    // A function returning the batches: a source read again each pass (an array is x, not a dataset).
    const batches = () => [0, 1, 2].map((k) => ({ xs: X.slice(8 * k, 8 * k + 8), ys: labels({ 10: 5 }).slice(8 * k, 8 * k + 8) }));
    await expect(model().fit(batches, { epochs: 1, verbose: 0 })).rejects.toThrow(
      'sparseCategoricalCrossentropy: label 5 at position [2] is out of range for 3 classes (fit: in batch 2 of epoch 1)',
    );
    await expect(model().evaluate(batches)).rejects.toThrow(
      'sparseCategoricalCrossentropy: label 5 at position [2] is out of range for 3 classes (evaluate: in batch 2)',
    );
    const good = () => batches().slice(0, 1);
    await expect(model().fit(good, { validationData: batches, verbose: 0 })).rejects.toThrow(
      'sparseCategoricalCrossentropy: label 5 at position [2] is out of range for 3 classes (fit (validation): in batch 2)',
    );
  });
});
