import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { LayerNormalization } from './layer-normalization.js';

// Expected values from TensorFlow.js 4.22 (tf.layers.layerNormalization, cpu backend, float32),
// same inputs and weights. float32 against float32, values O(1-3): a few ulps of the statistics.
const F32 = 1e-5;
const XV = [
  0, 2.4271164, 2.0310027, 0.12446768, -1.7669093, 0.93023998, 2.9970867, 2.1381967, -1.6556529, -1.0239672, 1.8403341, 3.4735439,
  0.2155073, -1.358248, -0.20966564, 2.7110797, 1.8575905, 0.28272681, -0.97383112, 0.66127817, 1.5251169, 2.1546558, 0.36012008,
  -0.49699006,
];

describe('LayerNormalization against TensorFlow.js 4.22', () => {
  test('over the last axis, with gamma and beta', async () => {
    const ln = new LayerNormalization({ epsilon: 0.01 });
    const x = nb.tensor(XV, [2, 3, 4]);
    ln.build([3, 4]);
    expect(ln.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([
      ['gamma', [4]],
      ['beta', [4]],
    ]);
    ln.gamma?.assign(nb.tensor([1.5, -1, 0.5, 2]));
    ln.beta?.assign(nb.tensor([0.1, 0.2, -0.3, 0]));
    expectClose(
      await ln.apply(x).data(),
      [
        -1.4652668, -0.96722549, 0.10321288, -1.8602799, -2.2677674, 0.28022292, 0.23396374, 1.181614, -1.5573775, 1.0033213, -0.017883273,
        2.6880124, -0.025112074, 1.3406143, -0.48451388, 3.1861005, 2.1698921, 0.37163693, -1.0048026, 0.40262827, 1.0307611, -1.0314533,
        -0.55504113, -2.6837568,
      ],
      F32,
      F32,
    );
  });

  test('over two axes: gamma and beta of their shape', async () => {
    const ln = new LayerNormalization({ axis: [1, 2] });
    ln.build([3, 4]);
    expect(ln.gamma?.shape).toEqual([3, 4]);
    ln.gamma?.assign(
      nb.tensor(
        Array.from({ length: 12 }, (_, i) => 1 + 0.1 * i),
        [3, 4],
      ),
    );
    ln.beta?.assign(
      nb.tensor(
        Array.from({ length: 12 }, (_, i) => -0.05 * i),
        [3, 4],
      ),
    );
    expectClose(
      await ln.apply(nb.tensor(XV, [2, 3, 4])).data(),
      [
        -0.55576462, 0.88488919, 0.64458817, -0.77878296, -2.4106977, -0.27552456, 1.5879959, 0.81037158, -3.126344, -2.6327105, 0.52012879,
        2.5074685, -0.28361195, -1.7839556, -0.85942811, 2.1461856, 1.2913151, -0.59259498, -2.31689, -0.20966096, 1.0258254, 2.0375557,
        -0.82964873, -2.3746274,
      ],
      F32,
      F32,
    );
  });
});

describe('LayerNormalization: behaviour and errors', () => {
  test('the same in training and inference; a mask passes through', async () => {
    const ln = new LayerNormalization();
    const x = nb.tensor(XV, [2, 3, 4]);
    expect(await ln.apply(x, { training: true }).data()).toEqual(await ln.apply(x).data());
    const mask = nb.tensor([true, false, true, true, true, false], [2, 3], 'bool');
    expect(ln.computeMask(x, mask)).toBe(mask);
  });

  test('errors name the layer and the values', () => {
    expect(() => new LayerNormalization({ rmsScaling: true, name: 'ln' })).toThrow(
      'ln: rmsScaling true is not supported (Keras 3 deprecates it: it scales by the variance, not the root mean square)',
    );
    expect(() => new LayerNormalization({ axis: [0, 1], name: 'ln' }).build([3])).toThrow('ln: axis 0 is the batch axis');
    expect(() => new LayerNormalization({ axis: [1, -2], name: 'ln' }).build([3, 4])).toThrow('ln: axis [1,-2] repeats an axis');
    expect(() => new LayerNormalization({ axis: 2, name: 'ln' }).build([3])).toThrow(
      'ln: axis 2 is out of range for inputs of rank 2 (batch axis included)',
    );
    expect(() => new LayerNormalization({ name: 'ln' }).build([null])).toThrow(
      'ln: the normalized axes need known sizes, got input shape [null,null]',
    );
    expect(() => new LayerNormalization({ epsilon: -1 })).toThrow(/epsilon.*a positive number/);
    expect(() => Reflect.construct(LayerNormalization, [{}, {}])).toThrow(nb.NablaError);
  });
});
