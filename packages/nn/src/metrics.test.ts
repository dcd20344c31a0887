import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { meanAbsoluteError as maeLoss, meanSquaredError as mseLoss } from './losses.js';
import {
  accuracyFor,
  binaryAccuracy,
  categoricalAccuracy,
  getMetric,
  type MetricFn,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalAccuracy,
} from './metrics.js';

const item = async (t: nb.Tensor) => (await t.data())[0];

describe('binaryAccuracy', () => {
  const yTrue = nb.tensor([
    [1, 0],
    [1, 1],
  ]);
  const yPred = nb.tensor([
    [0.7, 0.6],
    [0.4, 0.5],
  ]);

  test('threshold 0.5 (strictly greater)', async () => {
    // predicted [1,1], [0,0] (0.5 is not > 0.5); hits [1,0], [0,0]; per sample 0.5 and 0; mean 0.25
    const a = binaryAccuracy(yTrue, yPred);
    expect(a.shape).toEqual([]);
    expect(a.dtype).toBe('float32');
    expect(await item(a)).toBe(0.25);
  });

  test('another threshold', async () => {
    // threshold 0.3: predicted all 1; hits [1,0], [1,1]; per sample 0.5 and 1; mean 0.75
    expect(await item(binaryAccuracy(yTrue, yPred, 0.3))).toBe(0.75);
  });

  test('int32 labels, rank 1, float64 predictions', async () => {
    // predicted [1, 0, 0, 1] against [1, 0, 1, 1]: 3 of 4
    const a = binaryAccuracy(nb.tensor([1, 0, 1, 1], [4], 'int32'), nb.tensor([0.9, 0.1, 0.2, 0.8], [4], 'float64'));
    expect(a.dtype).toBe('float64');
    expect(await item(a)).toBe(0.75);
  });

  test('a soft label never matches, as in Keras', async () => {
    expect(await item(binaryAccuracy(nb.tensor([0.9]), nb.tensor([0.95])))).toBe(0);
  });
});

describe('categoricalAccuracy', () => {
  test('argMax of yTrue equals argMax of yPred', async () => {
    const yTrue = nb.tensor([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const yPred = nb.tensor([
      [0.1, 0.8, 0.1],
      [0.2, 0.5, 0.3],
      [0.3, 0.3, 0.4],
    ]);
    // argMax yPred: 1, 1, 2 against 1, 0, 2: 2 of 3
    expectNear(await item(categoricalAccuracy(yTrue, yPred)), 2 / 3);
  });

  test('ties go to the first index', async () => {
    // argMax [0.5, 0.5, 0] is 0; rows: hit, miss
    const yTrue = nb.tensor([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const yPred = nb.tensor([
      [0.5, 0.5, 0],
      [0.5, 0.5, 0],
    ]);
    expect(await item(categoricalAccuracy(yTrue, yPred))).toBe(0.5);
  });
});

describe('sparseCategoricalAccuracy', () => {
  const yPred = nb.tensor([
    [0.1, 0.8, 0.1],
    [0.2, 0.5, 0.3],
    [0.3, 0.3, 0.4],
  ]);
  // argMax yPred: 1, 1, 2

  test('int32 labels [batch]', async () => {
    // against 1, 0, 2: 2 of 3
    expectNear(await item(sparseCategoricalAccuracy(nb.tensor([1, 0, 2], [3], 'int32'), yPred)), 2 / 3);
  });

  test('float labels [batch, 1]', async () => {
    // against 1, 1, 2: 3 of 3
    expect(await item(sparseCategoricalAccuracy(nb.tensor([[1], [1], [2]]), yPred))).toBe(1);
    // a non-integer float label matches nothing: 1.5 vs 1
    expectNear(await item(sparseCategoricalAccuracy(nb.tensor([[1.5], [1], [0]]), yPred)), 1 / 3);
  });

  test('float64 predictions give float64', () => {
    expect(sparseCategoricalAccuracy(nb.tensor([0], [1], 'int32'), nb.tensor([[1, 0]], [1, 2], 'float64')).dtype).toBe('float64');
  });
});

describe('regression metrics', () => {
  test('meanSquaredError and meanAbsoluteError', async () => {
    const yTrue = nb.tensor([
      [0, 1],
      [2, 3],
    ]);
    const yPred = nb.tensor([
      [1, 1],
      [0, 0],
    ]);
    // errors [1,0], [-2,-3]: squares average (0.5 + 6.5)/2 = 3.5; absolutes (0.5 + 2.5)/2 = 1.5
    expect(await item(meanSquaredError(yTrue, yPred))).toBe(3.5);
    expect(await item(meanAbsoluteError(yTrue, yPred))).toBe(1.5);
    // the same functions as the losses
    expect(meanSquaredError).toBe(mseLoss);
    expect(meanAbsoluteError).toBe(maeLoss);
  });
});

describe('errors', () => {
  test('shape mismatches name the metric and both shapes', () => {
    const a = nb.zeros([2, 3]);
    const b = nb.zeros([2, 4]);
    expect(() => binaryAccuracy(a, b)).toThrow(new nb.NablaError('binaryAccuracy: yTrue shape [2,3] differs from yPred shape [2,4]'));
    expect(() => categoricalAccuracy(a, b)).toThrow('categoricalAccuracy: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => meanSquaredError(a, b)).toThrow('meanSquaredError: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => categoricalAccuracy(nb.scalar(1), nb.scalar(1))).toThrow(
      'categoricalAccuracy: yPred must have a class axis, got a scalar',
    );
  });

  test('sparse labels must be [batch] or [batch, 1]', () => {
    expect(() => sparseCategoricalAccuracy(nb.zeros([2, 3]), nb.zeros([2, 3]))).toThrow(
      new nb.NablaError(
        'sparseCategoricalAccuracy: yTrue shape [2,3] does not fit yPred shape [2,3]: expected class indices of shape [2] or [2,1]',
      ),
    );
    expect(() => sparseCategoricalAccuracy(nb.zeros([3]), nb.zeros([2, 3]))).toThrow('yTrue shape [3] does not fit yPred shape [2,3]');
  });
});

describe('getMetric', () => {
  test("'accuracy' and 'acc' resolve from the shapes, as Keras 3, keeping the name given", () => {
    const t = (shape: number[]) => nb.zeros(shape);
    const cases: [nb.Tensor, nb.Tensor, MetricFn][] = [
      [t([4, 1]), t([4, 1]), binaryAccuracy], // one sigmoid unit
      [t([4]), t([4, 3]), sparseCategoricalAccuracy], // class indices
      [t([4, 1]), t([4, 3]), sparseCategoricalAccuracy], // class indices as a column
      [t([4, 3]), t([4, 3]), categoricalAccuracy], // one-hot
    ];
    for (const id of ['accuracy', 'acc']) {
      const m = getMetric(id);
      expect(m.name).toBe(id);
      for (const [yTrue, yPred, fn] of cases) expect(accuracyFor(yTrue, yPred), `${yTrue.shape} ${yPred.shape}`).toBe(fn);
    }
  });

  test("'accuracy' of one sigmoid unit is binary accuracy: 0.5, not 1 (issue 10, item 6)", async () => {
    // Keras 3 reports 0.5 here; argMax over a last axis of 1 would always be 0 and match every label.
    const yTrue = nb.tensor([[0], [1], [1], [0]]);
    const yPred = nb.tensor([[0.9], [0.8], [0.2], [0.1]]);
    expect(await item(getMetric('accuracy').fn(yTrue, yPred))).toBe(0.5);
    // sparse labels against three classes, and one-hot labels
    const probs = nb.tensor([
      [0.1, 0.8, 0.1],
      [0.7, 0.2, 0.1],
    ]);
    expect(await item(getMetric('acc').fn(nb.tensor([1, 2]), probs))).toBe(0.5);
    expect(
      await item(
        getMetric('acc').fn(
          nb.tensor([
            [0, 1, 0],
            [1, 0, 0],
          ]),
          probs,
        ),
      ),
    ).toBe(1);
  });

  test('named metrics', () => {
    const cases: [string, MetricFn][] = [
      ['binaryAccuracy', binaryAccuracy],
      ['categoricalAccuracy', categoricalAccuracy],
      ['sparseCategoricalAccuracy', sparseCategoricalAccuracy],
      ['meanSquaredError', meanSquaredError],
      ['mse', meanSquaredError],
      ['meanAbsoluteError', meanAbsoluteError],
      ['mae', meanAbsoluteError],
    ];
    for (const [id, fn] of cases) expect(getMetric(id), id).toEqual({ name: id, fn });
  });

  test('functions pass through with their name, or "metric"', () => {
    const myMetric: MetricFn = (a, b) => meanSquaredError(a, b);
    expect(getMetric(myMetric)).toEqual({ name: 'myMetric', fn: myMetric });
    const anonymous = [(a: nb.Tensor, b: nb.Tensor) => meanSquaredError(a, b)][0];
    expect(getMetric(anonymous).name).toBe('metric');
  });

  test('unknown names list the known ones', () => {
    expect(() => getMetric('f1')).toThrow(nb.NablaError);
    expect(() => getMetric('f1')).toThrow("getMetric: unknown metric 'f1'; known: accuracy, acc, binaryAccuracy");
    expect(() => getMetric('constructor')).toThrow("unknown metric 'constructor'");
    expect(() => getMetric('accuarcy')).toThrow("getMetric: unknown metric 'accuarcy'; did you mean 'accuracy'?");
    expect(() => getMetric('mse', 'binaryCrossentropy')).toThrow('getMetric: takes at most 1 argument, got 2');
  });

  test("'accuracy' rejects a threshold rather than dropping it (binaryAccuracy takes one)", () => {
    const yTrue = nb.tensor([[1], [0]]);
    const yPred = nb.tensor([[0.6], [0.2]]);
    const fn = getMetric('accuracy').fn as (...args: unknown[]) => nb.Tensor;
    expect(() => fn(yTrue, yPred, 0.7)).toThrow('accuracy: takes at most 2 arguments, got 3');
    nb.dispose([yTrue, yPred]);
  });
});

test('a metric call leaves only its result live', async () => {
  const yTrue = nb.tensor([[1, 0]]);
  const yPred = nb.tensor([[0.7, 0.2]]);
  for (const m of [binaryAccuracy, categoricalAccuracy]) {
    const before = nb.memory().numTensors;
    const r = m(yTrue, yPred);
    expect(nb.memory().numTensors - before).toBe(1);
    expect(await item(r)).toBe(1);
    r.dispose();
  }
});

function expectNear(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(1e-6);
}
