import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Dense, type LossFn, type MetricFn, Sequential, SGD } from '../index.js';

// Issue 10, item 7: classWeight and sampleWeight as Keras and TensorFlow.js apply them, and fit's
// options checked. The TF.js figures were computed with TensorFlow.js 4.22 (CPU) on the same
// model, data and initial weights: a one-unit sigmoid Dense from zeros, SGD 0.5, batch of 4.

const x = () =>
  nb.tensor([
    [0.5, -1],
    [1, 2],
    [-0.3, 0.8],
    [2, -0.5],
  ]);
const y = () => nb.tensor([[0], [1], [1], [0]]);

function model(extra: { weightedMetrics?: (string | MetricFn)[]; loss?: string | LossFn } = {}) {
  const m = new Sequential([new Dense(1, { inputDim: 2, activation: 'sigmoid', kernelInitializer: 'zeros', biasInitializer: 'zeros' })]);
  m.compile({ optimizer: new SGD(0.5), loss: extra.loss ?? 'binaryCrossentropy', metrics: ['acc'], ...extra });
  return m;
}

async function weightsOf(m: Sequential): Promise<number[]> {
  const out: number[] = [];
  for (const w of m.getWeights()) out.push(...(await w.data()));
  return out;
}

describe('classWeight and sampleWeight (Keras, TF.js)', () => {
  test('classWeight { 0: 1, 1: 50 } trains and reports as TensorFlow.js does', async () => {
    const m = model();
    const h = await m.fit(x(), y(), { epochs: 2, batchSize: 4, shuffle: false, classWeight: { 0: 1, 1: 50 }, verbose: 0 });
    // TF.js: loss [17.67525291442871, 1.4840589761734009], acc [0.5, 0.75] (acc unweighted)
    expect(h.history.loss[0]).toBeCloseTo(17.67525291442871, 4);
    expect(h.history.loss[1]).toBeCloseTo(1.4840589761734009, 4);
    expect(h.history.acc).toEqual([0.5, 0.75]);
    // TF.js: kernel [[1.7723958492279053], [8.925329208374023]], bias [5.981154918670654]
    const w = await weightsOf(m);
    [1.7723958492279053, 8.925329208374023, 5.981154918670654].forEach((v, i) => {
      expect(w[i]).toBeCloseTo(v, 4);
    });
    // The first epoch's loss is Keras's sum over the batch size: all predictions are 0.5.
    expect(h.history.loss[0]).toBeCloseTo(((1 + 50 + 50 + 1) * Math.LN2) / 4, 5);
  });

  test('sampleWeight is the same as the class weights it spells out; [n, 1] works too', async () => {
    const a = model();
    const b = model();
    const ha = await a.fit(x(), y(), { epochs: 2, batchSize: 2, shuffle: false, classWeight: { 1: 50 }, verbose: 0 });
    const hb = await b.fit(x(), y(), {
      epochs: 2,
      batchSize: 2,
      shuffle: false,
      sampleWeight: nb.tensor([[1], [50], [50], [1]]),
      verbose: 0,
    });
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(await weightsOf(b)).toEqual(await weightsOf(a));
  });

  test('one-hot labels weigh by their argMax class', async () => {
    const make = () => {
      const m = new Sequential([new Dense(2, { inputDim: 2, activation: 'softmax', kernelInitializer: 'zeros' })]);
      m.compile({ optimizer: new SGD(0.5), loss: 'categoricalCrossentropy' });
      return m;
    };
    const oneHot = nb.tensor([
      [1, 0],
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    const a = make();
    const b = make();
    const ha = await a.fit(x(), oneHot, { epochs: 1, batchSize: 4, classWeight: { 0: 3 }, verbose: 0 });
    const hb = await b.fit(x(), oneHot, { epochs: 1, batchSize: 4, sampleWeight: [3, 1, 1, 3], verbose: 0 });
    expect(ha.history.loss[0]).toBeCloseTo(((3 + 1 + 1 + 3) * Math.LN2) / 4, 5);
    expect(hb.history.loss).toEqual(ha.history.loss);
  });

  test('evaluate: the weighted loss is sum(w l) / n; weightedMetrics are weighted means, plain metrics are not', async () => {
    const m = model({ weightedMetrics: ['acc'] });
    // one epoch without weights moves the predictions away from 0.5
    await m.fit(x(), y(), { epochs: 1, batchSize: 4, verbose: 0 });
    const w = [2, 0, 1, 3];
    const r = await m.evaluate(x(), y(), { sampleWeight: w });
    const p = Array.from(await m.predict(x()).data());
    const labels = [0, 1, 1, 0];
    const bce = p.map((q, i) => -(labels[i] * Math.log(q) + (1 - labels[i]) * Math.log(1 - q)));
    expect(r.loss).toBeCloseTo(bce.reduce((s, l, i) => s + w[i] * l, 0) / 4, 5);
    const hits = p.map((q, i) => Number((q > 0.5 ? 1 : 0) === labels[i]));
    // the same name in metrics and weightedMetrics: the weighted one is logged as weighted_acc (Keras 3)
    expect(Object.keys(r)).toEqual(['loss', 'acc', 'weighted_acc']);
    expect(r.acc).toBeCloseTo(hits.reduce((s, h) => s + h, 0) / 4, 6);
    expect(r.weighted_acc).toBeCloseTo(hits.reduce((s, h, i) => s + w[i] * h, 0) / 6, 6);
  });

  test('a loss function that returns per-sample values is weighted; one that returns a scalar is an error with weights', async () => {
    const perSample: LossFn = function squared(t, p) {
      return nb.mean(nb.square(nb.sub(p, t)), { axis: -1 });
    };
    const m = model({ loss: perSample });
    const h = await m.fit(x(), y(), { epochs: 1, batchSize: 4, sampleWeight: [1, 2, 3, 4], verbose: 0 });
    // predictions 0.5 everywhere: each squared error is 0.25
    expect(h.history.loss[0]).toBeCloseTo((0.25 * (1 + 2 + 3 + 4)) / 4, 6);
    const scalar: LossFn = function meanOnly(t, p) {
      return nb.mean(nb.square(nb.sub(p, t)));
    };
    await expect(model({ loss: scalar }).fit(x(), y(), { sampleWeight: [1, 2, 3, 4], verbose: 0 })).rejects.toThrow(
      "loss 'meanOnly' returned shape [] for a batch of 4: return one value per sample",
    );
  });

  test('mistakes are errors, not dropped', async () => {
    const m = model();
    await expect(m.fit(x(), y(), { batch_size: 2 } as object)).rejects.toThrow(
      "fit: unknown option 'batch_size'; did you mean 'batchSize'?",
    );
    await expect(m.fit(x(), y(), { class_weight: { 0: 1 } } as object)).rejects.toThrow("did you mean 'classWeight'?");
    await expect(m.fit(x(), y(), { steps_per_epoch: 2 } as object)).rejects.toThrow(
      /unknown option 'steps_per_epoch'.*valid options: epochs/,
    );
    await expect(m.fit(x(), y(), { classWeight: { 0: 1 }, sampleWeight: [1, 1, 1, 1] })).rejects.toThrow('not both');
    await expect(m.fit(x(), y(), { classWeight: { 2: 5 } })).rejects.toThrow(
      "classWeight has class 2, but the model's output has 2 classes",
    );
    await expect(m.fit(x(), y(), { classWeight: { a: 5 } as never })).rejects.toThrow(
      "classWeight keys must be class indices (0, 1, ...), got 'a'",
    );
    await expect(m.fit(x(), y(), { sampleWeight: [1, 2, 3] })).rejects.toThrow(
      'sampleWeight must have one weight per sample, shape [4] or [4,1], got [3]',
    );
    await expect(m.fit(x(), y(), { sampleWeight: [1, -2, 3, 4] })).rejects.toThrow('got -2 at position [1]');
    await expect(m.evaluate(x(), y(), { sample_weight: [1, 1, 1, 1] } as object)).rejects.toThrow("did you mean 'sampleWeight'?");
    await expect(Reflect.apply(m.fit, m, [x(), y(), {}, 5])).rejects.toThrow('fit: takes at most 3 arguments');
    expect(() => m.predict(x(), { batch_size: 2 } as object)).toThrow("predict: unknown option 'batch_size'; did you mean 'batchSize'?");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', loss_weights: [1] } as never)).toThrow(
      "compile: unknown option 'loss_weights'",
    );
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquareError' })).toThrow(
      "unknown loss 'meanSquareError'; did you mean 'meanSquaredError'?",
    );
  });

  test("TF.js's callbacks as a plain object of hooks run", async () => {
    const seen: number[] = [];
    await model().fit(x(), y(), { epochs: 2, verbose: 0, callbacks: { onEpochEnd: (epoch) => void seen.push(epoch) } });
    expect(seen).toEqual([0, 1]);
  });
});

test('a weighted metric that returns one number is an error naming it, from fit and from evaluate alike', async () => {
  const m = new Sequential([new Dense(1, { inputDim: 2 })]);
  const total = (a: nb.Tensor, b: nb.Tensor) => nb.mean(nb.sub(a, b));
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', weightedMetrics: [total] });
  const x = [
    [1, 2],
    [3, 4],
  ];
  const y = [[1], [2]];
  const said = "metric 'total' returned shape [] for a batch of 2: return one value per sample (shape [2])";
  await expect(m.evaluate(x, y, { sampleWeight: [1, 1] })).rejects.toThrow(said);
  await expect(m.fit(x, y, { sampleWeight: [1, 1], verbose: 0 })).rejects.toThrow(said);
  m.dispose();
});
