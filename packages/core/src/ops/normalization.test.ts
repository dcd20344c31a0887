import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';

// Expected values from TensorFlow.js 4.22 (tf.moments, tf.batchNorm) on its cpu backend, float32.
const X = [
  [1, 2, 4],
  [3, -1, 0.5],
  [2, 2, -3],
  [0.25, 1, 7],
];
// float32 against float32: a few ulps of the largest value (|x| <= 10).
const F32 = 2e-6;

describe('moments', () => {
  test('mean and population variance over an axis, as tf.moments', async () => {
    const { mean, variance } = nb.moments(X, 0);
    expect(mean.shape).toEqual([3]);
    expectClose(await mean.data(), [1.5625, 1, 2.125], F32, F32);
    expectClose(await variance.data(), [1.07421875, 1.5, 14.046875], F32, F32);
  });

  test('keepDims, in the positional and the options form', async () => {
    for (const m of [nb.moments(X, 1, true), nb.moments(X, { axis: -1, keepDims: true })]) {
      expect(m.mean.shape).toEqual([4, 1]);
      expect(m.variance.shape).toEqual([4, 1]);
      expectClose(await m.mean.data(), [2.3333335, 0.83333331, 0.33333337, 2.75], F32, F32);
      expectClose(await m.variance.data(), [1.5555555, 2.7222223, 5.5555558, 9.125], F32, F32);
    }
  });

  test('every axis by default; integer tensors give float32', async () => {
    const { mean, variance } = nb.moments(nb.tensor([1, 2, 3, 4], [2, 2], 'int32'));
    expect(mean.shape).toEqual([]);
    expect(mean.dtype).toBe('float32');
    expect(await mean.item()).toBe(2.5);
    expect(await variance.item()).toBe(1.25);
  });

  test('float64 gradients of both statistics match central differences', () => {
    const x = values(24, -2, 2, 5);
    checkGradients((t) => nb.moments(t, [0, 2]).variance, [x], { shapes: [[2, 3, 4]] });
    checkGradients((t) => nb.moments(t, [1], true).mean, [x], { shapes: [[2, 3, 4]] });
  });

  test('errors name moments', () => {
    expect(() => nb.moments(X, 2)).toThrow('moments: axis 2 is out of range for a tensor of rank 2');
    expect(() => nb.moments(X, { axis: 0 }, true)).toThrow(/^moments: keepDims true \(boolean\) given both/);
  });
});

describe('batchNorm', () => {
  const mean = [0.5, 1, -1];
  const variance = [2, 0.5, 3];

  test('with offset and scale, as tf.batchNorm', async () => {
    const y = nb.batchNorm(X, mean, variance, [0.1, 0.2, 0.3], [1.5, -1, 2], 0.01);
    expect(y.shape).toEqual([4, 3]);
    expectClose(
      await y.data(),
      [0.62900919, -1.2002801, 6.0639043, 2.7450461, 3.0005603, 2.0291712, 1.6870277, -1.2002801, -2.0055616, -0.1645046, 0.2, 9.5222464],
      F32,
      F32,
    );
  });

  test('without offset and scale (null or absent), epsilon 1e-3 by default', async () => {
    const expected = [
      0.35346502, 1.4128015, 2.8862703, 1.7673252, -2.825603, 0.86588109, 1.0603951, 1.4128015, -1.1545081, -0.17673251, 0, 4.6180325,
    ];
    expectClose(await nb.batchNorm(X, mean, variance).data(), expected, F32, F32);
    expectClose(await nb.batchNorm(X, mean, variance, null, null).data(), expected, F32, F32);
  });

  test('statistics with ones on the normalized axes broadcast (a layer norm over the last axis)', async () => {
    const m = nb.moments(X, -1, true);
    const y = nb.batchNorm(X, m.mean, m.variance, null, null, 0);
    const rows = await nb.moments(y, -1).mean.data();
    expectClose(rows, [0, 0, 0, 0], 0, 1e-6);
    expectClose(await nb.moments(y, -1).variance.data(), [1, 1, 1, 1], 1e-5, 0);
  });

  test('float64 gradients of x, statistics, offset and scale match central differences', () => {
    checkGradients(
      (x, m, v, o, s) => nb.batchNorm(x, m, v, o, s, 0.1),
      [values(12, -2, 2, 1), [0.5, -1, 0.2], [1, 0.3, 2], [0.1, 0, -1], [2, -1, 0.5]],
      {
        shapes: [[4, 3], [3], [3], [3], [3]],
      },
    );
  });

  test('errors name batchNorm and the operand', () => {
    expect(() => nb.batchNorm(X, [1, 2], variance)).toThrow('batchNorm: shapes cannot be broadcast together: [4,3] and [2]');
    expect(() => nb.batchNorm(X, nb.zeros([2, 4, 3]), variance)).toThrow(
      "batchNorm: mean of shape [2,4,3] does not broadcast to x's shape [4,3]",
    );
    expect(() => nb.batchNorm(X, mean, variance, null, nb.zeros([5, 1, 1]))).toThrow(
      "batchNorm: scale of shape [5,1,1] does not broadcast to x's shape [4,3]",
    );
    expect(() => nb.batchNorm(X, mean, variance, null, null, -1)).toThrow(
      "batchNorm: argument 'varianceEpsilon' must be a non-negative number, got -1 (number)",
    );
  });
});

describe('gather with IndexNames', () => {
  test('an out-of-range index is worded in the caller terms, in the forward pass and the gradient', async () => {
    const names = { op: 'Embedding', range: 'inputDim 4' };
    const table = nb.ones([4, 2]);
    const idx = nb.tensor(
      [
        [0, 3],
        [4, 1],
      ],
      [2, 2],
      'int32',
    );
    await expect(nb.gather(table, idx, 0, names).data()).rejects.toThrow(
      'Embedding: index 4 at position [1,0] is out of range for inputDim 4',
    );
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.gather(t, idx, 0, names)))(table);
    await expect(g.data()).rejects.toThrow('Embedding: index 4 at position [1,0] is out of range for inputDim 4');
    expect(Array.from(await nb.gather(table, [3, 0], 0, names).data())).toEqual([1, 1, 1, 1]);
  });

  test('names are checked', () => {
    expect(() => nb.gather(nb.ones([4]), [0], 0, { op: 'E', shape: [3] })).toThrow(
      'E: names.shape [3] does not have the 1 elements of the indices',
    );
    expect(() => nb.gather(nb.ones([4]), [0], 0, { nope: 1 } as never)).toThrow(/^gather: unknown option 'nope'/);
  });
});
