import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { Sequential } from '../../models/sequential.js';
import { SGD } from '../../optimizers/index.js';
import { Dense } from '../dense.js';
import { Flatten } from '../flatten.js';
import { Embedding } from './embedding.js';

const E = [0.42073549, 0.45464871, 0.070560004, -0.37840125, -0.47946214, -0.13970775, 0.3284933, 0.49467912, 0.20605924, -0.27201056];
const K = [0.4, 0.21612092, -0.16645873, -0.395997, -0.26145745, 0.11346487];
const X = [
  [0, 1, 1],
  [4, 2, 0],
  [3, 3, 3],
  [1, 0, 4],
  [2, 4, 1],
  [0, 0, 2],
];
const Y = [[1], [-1], [0.5], [0], [2], [-0.5]];

describe('Embedding', () => {
  test('looks rows up: [batch, time] indices give [batch, time, outputDim]; weights as Keras', async () => {
    const emb = new Embedding(5, 2, { name: 'emb' });
    const y = emb.apply(nb.tensor([[4, 0, 2]], [1, 3], 'int32'));
    expect(y.shape).toEqual([1, 3, 2]);
    expect(emb.weights.map((w) => [w.name, w.shape])).toEqual([['emb/embeddings', [5, 2]]]);
    const table = Array.from(await (emb.embeddings as NonNullable<Embedding['embeddings']>).value.data());
    expect(Array.from(await y.data())).toEqual([...table.slice(8, 10), ...table.slice(0, 2), ...table.slice(4, 6)]);
    // Keras's 'uniform' default: RandomUniform in [-0.05, 0.05].
    expect(table.every((v) => v >= -0.05 && v <= 0.05)).toBe(true);
    expect(emb.getConfig().embeddingsInitializer).toMatchObject({ className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } });
  });

  test('fit (Embedding, Flatten, Dense) trains as TensorFlow.js 4.22, repeated indices accumulating', async () => {
    const model = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, inputLength: 3 }), new Flatten(), new Dense(1)]);
    model.build([3]);
    model.setWeights([nb.tensor(E, [5, 2]), nb.tensor(K, [6, 1]), nb.tensor([0.1])]);
    model.compile({ optimizer: new SGD(0.1), loss: 'meanSquaredError' });
    // Float inputs holding integers are cast, as Keras and TF.js do.
    const h = await model.fit(nb.tensor(X), nb.tensor(Y), { epochs: 4, batchSize: 3, shuffle: false, verbose: 0 });
    // TF.js: same model, initial weights, SGD 0.1, mse, batch 3, no shuffle (float32: a few ulps a step).
    expectClose(h.history.loss, [1.1697144508361816, 0.9490207433700562, 0.7855695486068726, 0.6423485279083252], 1e-5, 1e-6);
    const expected = [
      [0.4697471, 0.49623457, -0.076855101, -0.42114851, -0.2438284, 0.13836597, 0.32222202, 0.46624228, 0.073939405, -0.55099589],
      [0.16414985, 0.29836079, -0.038354002, -0.62035495, -0.26372102, -0.20055851],
      [0.31310922],
    ];
    const weights = model.getWeights();
    for (let i = 0; i < 3; i++) expectClose(await weights[i].data(), expected[i], 1e-5, 1e-6);
    model.dispose();
  });

  test('maskZero: computeMask is inputs != 0, [batch, time] bool; without it, no mask', async () => {
    const x = nb.tensor(
      [
        [0, 3, 0],
        [2, 0, 1],
      ],
      [2, 3],
      'int32',
    );
    const mask = new Embedding(5, 2, { maskZero: true }).computeMask(x, null) as nb.Tensor;
    expect(mask.dtype).toBe('bool');
    expect(await mask.array()).toEqual([
      [false, true, false],
      [true, false, true],
    ]);
    expect(new Embedding(5, 2).computeMask(x, null)).toBeNull();
  });

  test('an out-of-range index is an error naming the layer at run time, in predict and in fit', async () => {
    const emb = new Embedding(5, 2, { name: 'words' });
    const bad = nb.tensor([[1, 5, 0]], [1, 3], 'int32');
    await expect(emb.apply(bad).data()).rejects.toThrow("words: index 5 at position [0,1] is out of range for the Embedding's inputDim 5");
    await expect(emb.apply(nb.tensor([[2, 0, -1]], [1, 3], 'int32')).data()).rejects.toThrow(
      "words: index -1 at position [0,2] is out of range for the Embedding's inputDim 5",
    );
    const model = new Sequential([new Embedding(5, 2, { inputShape: [3], name: 'vocab' }), new Flatten(), new Dense(1)]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(
      model.fit(nb.tensor([...X, [7, 0, 0]]), nb.tensor([...Y, [0]]), { batchSize: 7, shuffle: false, verbose: 0 }),
    ).rejects.toThrow("vocab: index 7 at position [6,0] is out of range for the Embedding's inputDim 5");
    model.dispose();
  });

  test('inputLength (TensorFlow.js) sets the input shape; arguments are checked', () => {
    expect(new Embedding({ inputDim: 3, outputDim: 2, inputLength: 4 }).batchInputShape).toEqual([4]);
    expect(new Embedding(3, 2, { inputLength: [2, 3], inputShape: [2, 3] }).batchInputShape).toEqual([2, 3]);
    expect(() => new Embedding(3, 2, { inputLength: 4, inputShape: [5] })).toThrow(
      'Embedding: inputLength [4] disagrees with inputShape [5]',
    );
    expect(() => new Embedding(3, 2, { inputLength: 0 })).toThrow(/inputLength.*a positive integer or a list of them/);
    expect(() => new Embedding(0, 2, { name: 'e' })).toThrow('e: inputDim must be a positive integer, got 0');
    expect(() => new Embedding({ inputDim: 3 } as never)).toThrow(/outputDim must be a positive integer, got undefined/);
    expect(() => new Embedding(3, 2, { outputDim: 2 })).toThrow('Embedding: outputDim is given twice, as an argument and in the options');
    expect(() => new Embedding({ inputDim: 3, outputDim: 2 }, 2)).toThrow(/^Embedding: give the options once/);
  });
});
