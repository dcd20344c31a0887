import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { loadModel } from '../../io/load.js';
import { Sequential } from '../../models/sequential.js';
import { SGD } from '../../optimizers/index.js';
import { Dense } from '../dense.js';
import { BatchNormalization } from './batch-normalization.js';

// Expected values from TensorFlow.js 4.22 (tf.layers.batchNormalization, cpu backend, float32):
// the same inputs, initial weights and settings. float32 against float32: values are O(1-5),
// and a normalized value carries a few ulps from the mean, the variance and the rsqrt.
const F32 = 1e-5;

const XV = [
  0, 3.9749944, 1.2333767, -2.777444, 2.4823401, 4.3954613, -2.0996241, -0.85441134, 4.5774854, 1.1902217, -1.8841925, 1.5530029, 2.9993787,
  0.67409021, -0.91539534, 1.0771751, 3.6378192, 0.24308798, -2.1850823, 3.3199837, 3.5872481, -2.729, 0.1159852, 4.9568009,
];

async function data(t: nb.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('BatchNormalization against TensorFlow.js 4.22', () => {
  test('training: batch statistics over batch and time; the moving statistics move; inference uses them', async () => {
    const x = nb.tensor(XV, [4, 2, 3]);
    const bn = new BatchNormalization({
      momentum: 0.9,
      epsilon: 0.01,
      gammaInitializer: { className: 'Constant', config: { value: 1.5 } },
      betaInitializer: { className: 'Constant', config: { value: -0.5 } },
    });
    const y = bn.apply(x, { training: true });
    expectClose(
      await data(y),
      [
        -0.085067421, 1.332932, -1.3822378, -2.1228333, 0.25649968, 0.90346068, -1.6255276, -2.1498089, 1.0350358, 0.78817892, -2.8924389,
        -1.1511974, 2.1155281, -1.0475253, -2.9354677, 0.70523846, 1.089777, -2.0980635, -1.6882268, 0.86056894, 0.31924728, -2.0872905,
        -1.4500045, 1.3092222,
      ],
      F32,
      F32,
    );
    expect(bn.weights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta', 'movingMean', 'movingVariance']);
    expect(bn.trainableWeights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta']);
    expectClose(await data(bn.movingMean?.value as nb.Tensor), [-0.056554686, 0.14333262, 0.24538837], F32, F32);
    expectClose(await data(bn.movingVariance?.value as nb.Tensor), [1.3169888, 1.331641, 1.3296175], F32, F32);
    expectClose(
      await data(bn.apply(x)),
      [
        -0.4263579, 4.4620399, 0.78042072, -4.0429788, 2.529038, 4.8784432, -3.1603622, -1.7920884, 5.1143441, 1.1234771, -3.1256652,
        1.1946523, 3.4792526, 0.18733636, -2.0043614, 0.97627461, 4.0253949, -0.50298131, -3.2716405, 3.6137948, 3.8310089, -3.9798977,
        -0.53541517, 5.6059322,
      ],
      F32,
      F32,
    );
  });

  // TF.js's own BatchNormalization({ axis: 1 }) is wrong here: its cpu batchNorm kernel indexes a
  // [1,3,1] mean by flat position modulo 3, ignoring its shape. The expected values are TF.js's
  // axis -1 layer on the input transposed to [batch, 2, 3], transposed back.
  test('feature axis 1 of [batch, 3, 2]', async () => {
    const bn = new BatchNormalization({ axis: 1 });
    const y = bn.apply(nb.tensor(XV.slice(0, 12), [2, 3, 2]), { training: true });
    expectClose(
      await data(y),
      [
        -0.11224771, 1.6358501, 0.06811849, -1.471387, 0.37145209, 1.2117543, -1.0356071, -0.48799533, 1.3517147, 0.051553931, -1.5464648,
        -0.036741678,
      ],
      F32,
      F32,
    );
    expectClose(await data(bn.movingMean?.value as nb.Tensor), [0.0025523971, 0.0105591, 0.01636653], F32, F32);
    expectClose(await data(bn.movingVariance?.value as nb.Tensor), [1.0416961, 1.0578641, 1.0418239], F32, F32);
  });
});

/** Dense(3) -> BatchNormalization(momentum 0.8) -> Dense(1), with TF.js's initial weights. */
function fitModel(): Sequential {
  const model = new Sequential([new Dense(3, { inputDim: 2 }), new BatchNormalization({ momentum: 0.8 }), new Dense(1)]);
  model.build([2]);
  const [dense1, , dense2] = model.layers;
  dense1.weights[0].assign(
    nb.tensor([
      [0.5, -0.3, 0.8],
      [0.2, 0.7, -0.4],
    ]),
  );
  dense1.weights[1].assign(nb.tensor([0.1, 0, -0.1]));
  dense2.weights[0].assign(nb.tensor([[0.6], [-0.5], [0.3]]));
  dense2.weights[1].assign(nb.tensor([0.05]));
  return model;
}
const FX = () =>
  nb.tensor(
    Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.9) * 2),
    [12, 2],
  );
const FY = () =>
  nb.tensor(
    Array.from({ length: 12 }, (_, i) => Math.sin(i)),
    [12, 1],
  );
// TF.js after fit(epochs 3, batchSize 4, shuffle false, SGD 0.1, mse), in nabla's weight order.
const FIT_WEIGHTS = [
  [0.40535444, 0.015600507, 0.78733552, 0.36367285, 0.79456311, -0.42863679],
  [0.1, -5.8673324e-9, -0.1],
  [0.78710192, 0.90541047, 0.92834145], // gamma
  [0.0028745043, 0.024058213, 0.024562286], // beta
  [0.15111846, 0.00068071112, 0.028526574], // movingMean
  [0.90966177, 1.1163728, 0.81563979], // movingVariance
  [0.26038215, -0.36295837, -0.20400083],
  [0.0047309529],
];

describe('BatchNormalization in fit: moving statistics updated inside the compiled step', () => {
  test.each([1, 2])(
    'fit with stepsPerExecution %i trains and moves the statistics as TensorFlow.js; predict and evaluate use them',
    async (steps) => {
      const model = fitModel();
      model.compile({ optimizer: new SGD(0.1), loss: 'meanSquaredError', stepsPerExecution: steps });
      const h = await model.fit(FX(), FY(), { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      // Loss sums of O(1) over 12 samples; the BN step's rsqrt adds a few ulps per step.
      expectClose(h.history.loss, [1.1345407962799072, 0.6746494770050049, 0.6404505968093872], 1e-5, 1e-6);
      const weights = model.getWeights();
      for (let i = 0; i < weights.length; i++) expectClose(await data(weights[i]), FIT_WEIGHTS[i], 1e-5, 1e-6);
      // Inference normalizes with the moving statistics (TF.js predict and evaluate on the same model).
      expectClose(
        await data(model.predict(FX())),
        [
          -0.25600618, 0.18852763, 0.18973993, -0.25534475, -0.05430869, 0.29942435, -0.062349513, -0.25169101, 0.1961204, 0.18197452,
          -0.25940892, -0.044696569,
        ],
        1e-5,
        1e-6,
      );
      expect((await model.evaluate(FX(), FY())).loss).toBeCloseTo(0.48269629, 5);
      model.dispose();
    },
  );

  test('the moving statistics save and load with the model', async () => {
    const model = fitModel();
    model.compile({ optimizer: new SGD(0.1), loss: 'meanSquaredError' });
    await model.fit(FX(), FY(), { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'nabla-bn-'));
    try {
      await model.save(join(dir, 'm'));
      const loaded = await loadModel(join(dir, 'm'));
      const bn = loaded.layers[1] as BatchNormalization;
      expect(bn.className).toBe('BatchNormalization');
      expect(bn.momentum).toBe(0.8);
      expectClose(await data(bn.movingMean?.value as nb.Tensor), FIT_WEIGHTS[4], 1e-5, 1e-6);
      expectClose(await data(bn.movingVariance?.value as nb.Tensor), FIT_WEIGHTS[5], 1e-5, 1e-6);
      expect(await data(loaded.predict(FX()))).toEqual(await data(model.predict(FX())));
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  test('a frozen layer (trainable = false) runs in inference mode in fit, as Keras 3, and changes nothing', async () => {
    const model = fitModel();
    const bn = model.layers[1] as BatchNormalization;
    bn.trainable = false;
    const before = await Promise.all(bn.weights.map((w) => data(w.value)));
    // In training mode it normalizes with the moving statistics, as in inference.
    const x = nb.tensor(XV.slice(0, 12), [4, 3]);
    expect(await data(bn.apply(x, { training: true }))).toEqual(await data(bn.apply(x)));
    model.compile({ optimizer: new SGD(0.1), loss: 'meanSquaredError' });
    await model.fit(FX(), FY(), { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    expect(await Promise.all(bn.weights.map((w) => data(w.value)))).toEqual(before);
    expect(await data(model.layers[0].weights[0].value)).not.toEqual([0.5, -0.3, 0.8, 0.2, 0.7, -0.4]); // the rest trained
    model.dispose();
  });
});

describe('BatchNormalization: masks, options, errors', () => {
  test('a mask leaves padded steps out of the batch statistics, as Keras 3', async () => {
    const x = nb.tensor(XV, [4, 2, 3]);
    const mask = nb.tensor([true, false, true, true, false, true, true, true], [4, 2], 'bool');
    const bn = new BatchNormalization({ momentum: 0 });
    bn.apply(x, { training: true, mask });
    // momentum 0: the moving statistics are the batch's, over the 6 unmasked steps.
    const rows = [0, 2, 3, 5, 6, 7].map((r) => XV.slice(r * 3, r * 3 + 3));
    const mean = [0, 1, 2].map((c) => rows.reduce((s, row) => s + row[c], 0) / rows.length);
    const variance = [0, 1, 2].map((c) => rows.reduce((s, row) => s + (row[c] - mean[c]) ** 2, 0) / rows.length);
    // Keras divides by (count + 1e-7): a relative 2e-8 on 6 steps, under float32's precision.
    expectClose(await data(bn.movingMean?.value as nb.Tensor), mean, 1e-6, 1e-6);
    expectClose(await data(bn.movingVariance?.value as nb.Tensor), variance, 1e-6, 1e-6);
    expect(bn.computeMask(x, mask)).toBe(mask);
    expect(() => bn.apply(x, { training: true, mask: nb.ones([4], 'bool') })).toThrow(
      /the mask must have one dimension less than the inputs, got mask \[4\] for inputs \[4,2,3\]/,
    );
  });

  test('center and scale false: no beta, no gamma; the config rebuilds it', () => {
    const bn = new BatchNormalization({ center: false, scale: false, name: 'bn' });
    bn.build([5]);
    expect(bn.weights.map((w) => w.name)).toEqual(['bn/movingMean', 'bn/movingVariance']);
    expect(bn.getConfig()).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 1e-3, center: false, scale: false });
  });

  test('errors name the layer and the values', () => {
    expect(() => new BatchNormalization({ axis: 0, name: 'bn' }).build([3])).toThrow(
      'bn: axis 0 is the batch axis; give a feature axis (-1, the last, by default)',
    );
    expect(() => new BatchNormalization({ axis: 3, name: 'bn' }).build([3, 2])).toThrow(
      'bn: axis 3 is out of range for inputs of rank 3 (batch axis included)',
    );
    expect(() => new BatchNormalization({ axis: 1, name: 'bn' }).build([null, 2])).toThrow(
      'bn: axis 1 of the input needs a known size, got [null,null,2]',
    );
    expect(() => new BatchNormalization({ momentum: 1.5 })).toThrow(/momentum.*a number in \[0, 1\]/);
    expect(() => new BatchNormalization({ epsilon: 0 })).toThrow(/epsilon.*a positive number/);
    expect(() => new BatchNormalization({ axis: [1] as never })).toThrow(/axis.*an integer/);
  });
});
