import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Sequential } from '../../models/sequential.js';
import { Adam } from '../../optimizers/index.js';
import type { Weight } from '../../weight.js';
import { Dense } from '../dense.js';
import { Flatten } from '../flatten.js';
import type { Layer } from '../layer.js';
import {
  AveragePooling2D,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Conv3D,
  DepthwiseConv2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
  SeparableConv2D,
} from './index.js';

/** The integer inputs and weights the TensorFlow.js literals below were computed from. */
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const X = (shape: number[]) =>
  nb.tensor(
    Array.from({ length: size(shape) }, (_, i) => ((i * 7) % 11) - 5),
    shape,
  );
const K = (shape: number[], offset = 0) =>
  nb.tensor(
    Array.from({ length: size(shape) }, (_, i) => ((i * 5 + offset) % 7) - 3),
    shape,
  );

function setWeights(layer: Layer, values: nb.Tensor[]): void {
  layer.weights.forEach((w: Weight, i) => {
    w.assign(nb.keep(values[i]));
  });
}

describe('constructor forms, options and weights (Keras names, order and shapes)', () => {
  test("Keras's (filters, kernelSize, options), (filters, { kernelSize }) and TensorFlow.js's one options object agree", () => {
    const forms = [
      new Conv2D(8, 3, { strides: 2, padding: 'same' }),
      new Conv2D(8, { kernelSize: 3, strides: 2, padding: 'same' }),
      new Conv2D({ filters: 8, kernelSize: [3, 3], strides: [2, 2], padding: 'same' }),
    ];
    for (const layer of forms) {
      const { filters, kernelSize, strides, padding, dilationRate, groups, activation, useBias } = layer.getConfig();
      expect({ filters, kernelSize, strides, padding, dilationRate, groups, activation, useBias }).toEqual({
        filters: 8,
        kernelSize: [3, 3],
        strides: [2, 2],
        padding: 'same',
        dilationRate: [1, 1],
        groups: 1,
        activation: 'linear',
        useBias: true,
      });
      expect(layer.apply(nb.ones([2, 7, 5, 3])).shape).toEqual([2, 4, 3, 8]);
      expect(layer.weights.map((w) => [w.name.slice(layer.name.length), w.shape])).toEqual([
        ['/kernel', [3, 3, 3, 8]],
        ['/bias', [8]],
      ]);
    }
  });

  test('the other layers: kernel layouts and weight order as Keras 3', () => {
    const cases: [Layer, number[], [string, number[]][]][] = [
      [
        new Conv1D(4, 3, { groups: 2 }),
        [2, 6, 4],
        [
          ['kernel', [3, 2, 4]],
          ['bias', [4]],
        ],
      ],
      [
        new Conv3D(2, [1, 2, 3]),
        [1, 3, 3, 4, 1],
        [
          ['kernel', [1, 2, 3, 1, 2]],
          ['bias', [2]],
        ],
      ],
      [new Conv2DTranspose(5, 2, { useBias: false }), [1, 3, 3, 2], [['kernel', [2, 2, 5, 2]]]],
      [
        new DepthwiseConv2D(3, { depthMultiplier: 2 }),
        [1, 4, 4, 3],
        [
          ['kernel', [3, 3, 3, 2]],
          ['bias', [6]],
        ],
      ],
      [
        new SeparableConv2D(4, 3, { depthMultiplier: 2 }),
        [1, 4, 4, 3],
        [
          ['depthwise_kernel', [3, 3, 3, 2]],
          ['pointwise_kernel', [1, 1, 6, 4]],
          ['bias', [4]],
        ],
      ],
    ];
    for (const [layer, shape, weights] of cases) {
      layer.apply(nb.ones(shape));
      expect(layer.weights.map((w) => [w.name.slice(layer.name.length + 1), w.shape])).toEqual(weights);
    }
  });

  test("defaults: pooling strides are the pool size; default names are Keras's", () => {
    expect(new MaxPooling2D().getConfig()).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(new MaxPooling1D(3, { strides: 1 }).getConfig()).toMatchObject({ poolSize: [3], strides: [1] });
    expect(new AveragePooling2D({ poolSize: [2, 3], strides: null }).getConfig()).toMatchObject({ strides: [2, 3] });
    expect(new Conv2D(1, 1).name).toMatch(/^conv2d_\d+$/);
    expect(new MaxPooling2D().name).toMatch(/^max_pooling2d_\d+$/);
    expect(new Conv2DTranspose(1, 1).name).toMatch(/^conv2d_transpose_\d+$/);
  });

  test.each([
    [() => new Conv2D(8), 'kernelSize is required'],
    [() => new Conv2D(0, 3), 'filters must be a positive integer, got 0 (number)'],
    [() => new Conv2D(8, 3, { filters: 4 } as object), 'Conv2D: filters is given twice'],
    [() => new Conv2D(8, 3, { kernelSize: 2 }), 'Conv2D: kernelSize is given twice'],
    [() => new Conv2D({ filters: 8, kernelSize: 3 }, 3), 'Conv2D: give the options once'],
    [() => new Conv2D(8, [3, 3, 3]), 'kernelSize must be a positive integer or a list of 2 positive integers, got [3, 3, 3] (array)'],
    [() => new Conv2D(8, 3, { strides: 0 }), 'strides must be a positive integer or a list of 2'],
    [() => new Conv2D(8, 3, { strides: 2, dilationRate: 2 }), 'strides > 1 and dilationRate > 1 cannot be combined'],
    [() => new Conv2D(6, 3, { groups: 4 }), 'groups must be a positive integer dividing filters 6, got 4 (number)'],
    [() => new Conv2D(8, 3, { padding: 'causal' }), "padding must be 'valid', 'same', got 'causal' (string)"],
    [() => new Conv1D(8, 3, { padding: 'full' as 'same' }), "padding must be 'valid', 'same', 'causal', got 'full' (string)"],
    [
      () => new Conv2D(8, 3, { dataFormat: 'channelsFirst' as 'channelsLast' }),
      "dataFormat must be 'channelsLast' (nabla is channels-last)",
    ],
    [() => new Conv2D(8, 3, { use_bias: false } as object), "unknown option 'use_bias'; did you mean 'useBias'?"],
    [() => new Conv2DTranspose(4, 3, { strides: 2, outputPadding: 2 }), 'outputPadding 2 must be smaller than the stride 2'],
    [() => new DepthwiseConv2D(3, { depthMultiplier: 0 }), 'depthMultiplier must be a positive integer, got 0 (number)'],
    [() => new MaxPooling2D(2, { padding: 'causal' as 'same' }), "padding must be 'valid', 'same', got 'causal' (string)"],
    [() => new GlobalAveragePooling2D({}, 1), 'GlobalAveragePooling2D: takes at most 1 argument'],
  ])('constructor error %#', (make, message) => {
    expect(make).toThrow(nb.NablaError);
    expect(make).toThrow(message);
  });

  test.each([
    [() => new Conv2D(4, 3, { groups: 2 }).apply(nb.ones([1, 5, 5, 3])), 'groups 2 must divide the input channels 3'],
    [
      () => new Conv2D(4, 3).apply(nb.ones([1, 5, 3])),
      'expects samples of 2 spatial axes and known channels, [rows, cols, channels], got [5,3]',
    ],
    [
      () => new Conv2D(4, 3).apply(nb.ones([1, 2, 5, 1])),
      "spatial axis 0 of size 2 is too small for kernelSize 3 with dilationRate 1 and padding 'valid'",
    ],
    [() => new MaxPooling2D(3).apply(nb.ones([1, 2, 5, 1])), "spatial axis 0 of size 2 is too small for poolSize 3 with padding 'valid'"],
  ])('build error %#', (apply, message) => {
    expect(apply).toThrow(nb.NablaError);
    expect(apply).toThrow(message);
  });
});

describe('values', () => {
  // Computed by TensorFlow.js 4.22's layers (tf.layers.conv1d on an input padded by hand, since it
  // has no causal padding; tf.layers.separableConv2d; tf.layers.conv2dTranspose) with these weights.
  test('TensorFlow.js values: causal Conv1D with dilation, SeparableConv2D, Conv2DTranspose with relu', async () => {
    const causal = new Conv1D(2, 2, { padding: 'causal', dilationRate: 2 });
    causal.build([5, 2]);
    setWeights(causal, [K([2, 2, 2]), nb.tensor([0.5, -1])]);
    expect(Array.from(await causal.apply(X([1, 5, 2])).data())).toEqual([-16.5, -12, -10.5, -18, 21.5, -5, 18.5, -11, -17.5, -6]);

    const separable = new SeparableConv2D(2, 2, { depthMultiplier: 2, strides: 2, padding: 'same' });
    separable.build([3, 3, 2]);
    setWeights(separable, [K([2, 2, 2, 2]), K([1, 1, 4, 2], 3), nb.tensor([1, -2])]);
    expect(Array.from(await separable.apply(X([1, 3, 3, 2])).data())).toEqual([-35, 6, -21, -20, 31, -8, -33, -26]);

    const transpose = new Conv2DTranspose(1, 3, { strides: 2, padding: 'same', activation: 'relu' });
    transpose.build([2, 2, 2]);
    setWeights(transpose, [K([3, 3, 1, 2]), nb.tensor([0.25])]);
    const y = transpose.apply(X([1, 2, 2, 2]));
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(await y.data())).toEqual([19.25, 0, 3.25, 0, 0, 0, 3.25, 0, 0, 25.25, 0, 16.25, 8.25, 2.25, 0, 8.25]);
  });

  test('global pooling, with keepdims', async () => {
    const x = nb.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    expect(Array.from(await new GlobalAveragePooling2D().apply(x).data())).toEqual([4, 5]);
    const kept = new GlobalMaxPooling2D({ keepdims: true }).apply(x);
    expect(kept.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(await kept.data())).toEqual([7, 8]);
  });

  test('GlobalAveragePooling1D averages the real steps under a mask; a sequence with none gives zeros', async () => {
    const x = nb.tensor([1, 10, 3, 30, Number.NaN, 99, 5, 50, 7, 70, 9, 90], [2, 3, 2]);
    const mask = nb.tensor([true, true, false, false, false, false], [2, 3], 'bool');
    const y = new GlobalAveragePooling1D().apply(x, { training: false, mask });
    expect(Array.from(await y.data())).toEqual([2, 20, 0, 0]);
    expect(Array.from(await new GlobalAveragePooling1D().apply(nb.slice(x, [1], [1])).data())).toEqual([7, 70]);
  });
});

describe('shapes with unknown steps', () => {
  test('computeOutputShape keeps an unknown length unknown', () => {
    expect(new Conv1D(4, 3, { strides: 2, padding: 'same' }).computeOutputShape([null, 3])).toEqual([null, 4]);
    expect(new MaxPooling1D(2).computeOutputShape([null, 3])).toEqual([null, 3]);
    expect(new GlobalAveragePooling1D().computeOutputShape([null, 3])).toEqual([3]);
    expect(new Conv2DTranspose(2, 3, { strides: 2 }).computeOutputShape([null, 4, 1])).toEqual([null, 9, 2]);
  });
});

describe('training', () => {
  test('a small CNN learns to tell a bright top half from a bright bottom half (fit, one compiled step)', async () => {
    const n = 64;
    const data: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const top = i % 2;
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 6; c++) data.push(r < 3 === (top === 1) ? 0.5 + ((r * c + i) % 3) / 6 : ((r + c + i) % 3) / 6);
      labels.push(top);
    }
    const x = nb.tensor(data, [n, 6, 6, 1]);
    const y = nb.tensor(labels, [n], 'int32');
    const model = new Sequential([
      new Conv2D(4, 3, { inputShape: [6, 6, 1], padding: 'same', activation: 'relu' }),
      new MaxPooling2D(2),
      new DepthwiseConv2D(1), // a per-channel scale in the middle: gradients flow through it
      new Flatten(),
      new Dense(2, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0, seed: 1 });
    expect(history.history.loss.at(-1)).toBeLessThan(history.history.loss[0] / 3);
    expect(history.history.accuracy.at(-1)).toBe(1);
    model.dispose();
  });
});

test('Conv3D runs on [d1, d2, d3, channels] samples', () => {
  expect(new Conv3D(2, 2, { padding: 'same' }).apply(nb.ones([1, 3, 3, 3, 1])).shape).toEqual([1, 3, 3, 3, 2]);
});
