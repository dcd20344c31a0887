import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { input } from '../../models/symbolic.js';
import { Cropping1D, Cropping2D } from './cropping.js';
import { Permute } from './permute.js';
import { RepeatVector } from './repeat-vector.js';
import { UpSampling1D, UpSampling2D } from './up-sampling.js';
import { ZeroPadding1D, ZeroPadding2D } from './zero-padding.js';

// Expected values of the 2D layers from TensorFlow.js 4.22 (tf.layers, tf.image, cpu backend);
// they move values without arithmetic except bilinear, whose weights are multiples of 1/4 and 1/6.
const image = () =>
  nb.tensor(
    Array.from({ length: 12 }, (_, i) => i + 1),
    [1, 2, 3, 2],
  );
const sequence = () =>
  nb.tensor(
    Array.from({ length: 6 }, (_, i) => i + 1),
    [1, 3, 2],
  );
const data = async (t: nb.Tensor) => Array.from(await t.data());

describe('UpSampling', () => {
  test('1D repeats each step (Keras)', async () => {
    const y = new UpSampling1D(2).apply(sequence());
    expect(y.shape).toEqual([1, 6, 2]);
    expect(await data(y)).toEqual([1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6]);
    expect(new UpSampling1D().size).toBe(2);
  });

  test('2D nearest, size [2, 3], as TensorFlow.js', async () => {
    const y = new UpSampling2D([2, 3]).apply(image());
    expect(y.shape).toEqual([1, 4, 9, 2]);
    expect(await data(y)).toEqual([
      1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 5, 6, 5, 6, 5, 6, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 5, 6, 5, 6, 5, 6, 7, 8, 7, 8, 7, 8, 9, 10,
      9, 10, 9, 10, 11, 12, 11, 12, 11, 12, 7, 8, 7, 8, 7, 8, 9, 10, 9, 10, 9, 10, 11, 12, 11, 12, 11, 12,
    ]);
  });

  test("2D bilinear as Keras 3 (tf.image.resize's half-pixel centers: TF.js's resizeBilinear(x, size, false, true))", async () => {
    const y = new UpSampling2D({ size: [3, 2], interpolation: 'bilinear' }).apply(image());
    expect(y.shape).toEqual([1, 6, 6, 2]);
    const expected = [
      1, 2, 1.5, 2.5, 2.5, 3.5, 3.5, 4.5, 4.5, 5.5, 5, 6, 1, 2, 1.5, 2.5, 2.5, 3.5, 3.5, 4.5, 4.5, 5.5, 5, 6, 3, 4, 3.5, 4.5, 4.5, 5.5, 5.5,
      6.5, 6.5, 7.5, 7, 8, 5, 6, 5.5, 6.5, 6.5, 7.5, 7.5, 8.5, 8.5, 9.5, 9, 10, 7, 8, 7.5, 8.5, 8.5, 9.5, 9.5, 10.5, 10.5, 11.5, 11, 12, 7,
      8, 7.5, 8.5, 8.5, 9.5, 9.5, 10.5, 10.5, 11.5, 11, 12,
    ];
    const got = await data(y);
    // The weights 1/3 and 2/3 of the rows are not exact in float32: a few ulps of 12.
    for (const [i, v] of got.entries()) expect(Math.abs(v - expected[i])).toBeLessThan(5e-6);
  });

  test('errors', () => {
    expect(() => new UpSampling2D([2, 0], { name: 'up' })).toThrow(
      'up: size must be a positive integer or a list of 2 of them, got [2, 0] (array)',
    );
    expect(() => new UpSampling2D(2, { interpolation: 'bicubic' as never })).toThrow(/interpolation.*one of 'nearest', 'bilinear'/);
    expect(() => new UpSampling2D(2, { dataFormat: 'channelsFirst', name: 'up' })).toThrow(
      "up: dataFormat 'channelsFirst' is not supported; nabla's layers take channels-last data ('channelsLast')",
    );
    expect(() => new UpSampling1D(2, { name: 'up' }).apply(nb.ones([1, 4]))).toThrow(
      'up: expects [batch, steps, features] inputs, got [null,4]',
    );
  });
});

describe('ZeroPadding and Cropping', () => {
  test('ZeroPadding1D [before, after] (Keras)', async () => {
    const y = new ZeroPadding1D([1, 2]).apply(sequence());
    expect(y.shape).toEqual([1, 6, 2]);
    expect(await data(y)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0]);
  });

  test('ZeroPadding2D [[top, bottom], [left, right]], as TensorFlow.js; the other forms', async () => {
    const y = new ZeroPadding2D({
      padding: [
        [1, 0],
        [0, 2],
      ],
    }).apply(image());
    expect(y.shape).toEqual([1, 3, 5, 2]);
    expect(await data(y)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0]);
    expect(new ZeroPadding2D().padding).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(new ZeroPadding2D([2, 3]).padding).toEqual([
      [2, 2],
      [3, 3],
    ]);
  });

  test('Cropping1D and Cropping2D, as TensorFlow.js; shapes with unknown sizes', async () => {
    expect(await data(new Cropping1D([1, 0]).apply(sequence()))).toEqual([3, 4, 5, 6]);
    const y = new Cropping2D([
      [0, 1],
      [1, 1],
    ]).apply(image());
    expect(y.shape).toEqual([1, 1, 1, 2]);
    expect(await data(y)).toEqual([3, 4]);
    expect(new Cropping2D(1).apply(input({ shape: [5, 4, 3] })).shape).toEqual([null, 3, 2, 3]);
    expect(new Cropping1D(1).computeOutputShape([null, 2])).toEqual([null, 2]);
  });

  test('errors name the layer and the values', () => {
    expect(() => new Cropping1D([2, 1], { name: 'crop' }).apply(sequence())).toThrow(
      'crop: cropping [2,1] leaves nothing of axis 1 of size 3 (input [null,3,2])',
    );
    expect(() => new ZeroPadding2D([1, 2, 3] as never, { name: 'pad' })).toThrow(
      'pad: padding must be an integer, [height, width] or [[top, bottom], [left, right]] of non-negative integers, got [1,2,3]',
    );
    expect(() => new ZeroPadding1D(-1, { name: 'pad' })).toThrow(
      'pad: padding must be an integer or [before, after] of non-negative integers, got -1',
    );
    expect(() => new Cropping2D(0, { name: 'crop' }).apply(sequence())).toThrow(
      'crop: expects [batch, rows, cols, channels] inputs, got [null,3,2]',
    );
  });
});

describe('RepeatVector and Permute', () => {
  test('RepeatVector: [batch, features] -> [batch, n, features], as TensorFlow.js', async () => {
    const y = new RepeatVector({ n: 2 }).apply(nb.tensor([[1, 2, 3]]));
    expect(y.shape).toEqual([1, 2, 3]);
    expect(await data(y)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() => new RepeatVector(0, { name: 'rv' })).toThrow('rv: n must be a positive integer, got 0');
    expect(() => new RepeatVector(2, { name: 'rv' }).apply(sequence())).toThrow('rv: expects [batch, features] inputs, got [null,3,2]');
  });

  test('Permute: the sample axes reordered, as TensorFlow.js', async () => {
    const y = new Permute([3, 1, 2]).apply(image());
    expect(y.shape).toEqual([1, 2, 2, 3]);
    expect(await data(y)).toEqual([1, 3, 5, 7, 9, 11, 2, 4, 6, 8, 10, 12]);
    expect(new Permute([2, 1]).apply(input({ shape: [3, 5] })).shape).toEqual([null, 5, 3]);
    expect(() => new Permute([0, 1], { name: 'p' })).toThrow(
      'p: dims must be a permutation of 1..n (the sample axes, the batch axis excluded), got [0,1]',
    );
    expect(() => new Permute([2, 1], { name: 'p' }).apply(image())).toThrow(
      'p: dims [2,1] permute 2 axes, got samples of 3 ([null,2,3,2])',
    );
  });
});
