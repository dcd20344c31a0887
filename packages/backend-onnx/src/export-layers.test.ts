import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import { describe, expect, test } from 'vitest';
import { expectSameAsPredict, randomize } from './test-utils/export-check.js';

/**
 * Each built-in exporter against model.predict: a small model per layer family, weights drawn
 * anew, a batch of 3 random samples, run by onnxruntime from the exported bytes. Awkward
 * configurations are the point: 'same' with stride 2 on odd sizes, dilation, groups, masks.
 */

/** Indices with padding (0) at the ends of two sequences and none in the third, for the masks. */
const PADDED = nb.tensor(
  [
    [3, 1, 4, 1, 5, 0],
    [2, 7, 0, 0, 0, 0],
    [8, 6, 2, 6, 4, 3],
  ],
  [3, 6],
  'int32',
);

const x = (shape: number[], seed: number) => nb.randomUniform([3, ...shape], { minval: -2, maxval: 2, seed });

async function sequential(layers: nn.Layer[], input: nb.Tensor, seed = 1): Promise<void> {
  nb.setBackend('cpu');
  const model = new nn.Sequential(layers);
  model.predict(nb.slice(input, [0], [1])).dispose();
  randomize(model, seed);
  await expectSameAsPredict(model, [input]);
  model.dispose();
}

describe('convolution', () => {
  test("Conv2D: 'same' with stride 2 on odd sizes, dilation, groups, a non-elementwise activation", async () => {
    await sequential(
      [
        new nn.Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu', inputShape: [8, 7, 2] }),
        new nn.Conv2D(4, 3, { padding: 'same', dilationRate: 2, groups: 2, activation: 'tanh' }),
        new nn.Conv2D(3, [2, 1], { activation: 'softmax' }),
      ],
      x([8, 7, 2], 1),
    );
  });

  test("Conv1D: 'causal' with dilation, 'same' with stride 2, no bias; Conv3D", async () => {
    await sequential(
      [
        new nn.Conv1D(3, 3, { padding: 'causal', dilationRate: 2, inputShape: [9, 2] }),
        new nn.Conv1D(2, 2, { padding: 'same', strides: 2, useBias: false, activation: 'gelu' }),
      ],
      x([9, 2], 2),
    );
    await sequential([new nn.Conv3D(2, 2, { padding: 'same', strides: 2, inputShape: [3, 4, 5, 2] })], x([3, 4, 5, 2], 3));
  });

  test('DepthwiseConv2D (multiplier 2, stride 2, dilation) and SeparableConv2D', async () => {
    await sequential(
      [
        new nn.DepthwiseConv2D(3, { depthMultiplier: 2, strides: 2, padding: 'same', inputShape: [7, 6, 3] }),
        new nn.DepthwiseConv2D(2, { dilationRate: 2, activation: 'elu' }),
        new nn.SeparableConv2D(5, 3, { padding: 'same', depthMultiplier: 2, activation: 'swish' }),
      ],
      x([7, 6, 3], 4),
    );
    await sequential([new nn.SeparableConv1D(2, 3, { strides: 2, inputShape: [8, 3] })], x([8, 3], 5));
  });

  test("Conv2DTranspose and Conv1DTranspose: 'same' and 'valid' with strides, outputPadding, dilation", async () => {
    await sequential(
      [
        new nn.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', inputShape: [3, 4, 2] }),
        new nn.Conv2DTranspose(2, [3, 2], { strides: [2, 3], activation: 'sigmoid' }),
        new nn.Conv2DTranspose(2, 3, { strides: 2, padding: 'same', outputPadding: 0 }),
      ],
      x([3, 4, 2], 6),
    );
    await sequential(
      [
        new nn.Conv1DTranspose(2, 3, { strides: 3, outputPadding: 2, inputShape: [4, 2] }),
        new nn.Conv1DTranspose(2, 3, { dilationRate: 2, padding: 'same' }),
      ],
      x([4, 2], 7),
    );
  });

  test("pooling: max and average, 'same' with stride 2 on odd sizes (padding never counted), global pooling", async () => {
    await sequential(
      [
        new nn.AveragePooling2D(3, { strides: 2, padding: 'same', inputShape: [7, 5, 2] }),
        new nn.MaxPooling2D(2, { strides: 1, padding: 'same' }),
        new nn.MaxPooling2D(2),
        new nn.GlobalAveragePooling2D({ keepdims: true }),
      ],
      x([7, 5, 2], 8),
    );
    await sequential(
      [
        new nn.MaxPooling1D(3, { strides: 2, padding: 'same', inputShape: [9, 2] }),
        new nn.AveragePooling1D(2),
        new nn.GlobalMaxPooling1D(),
      ],
      x([9, 2], 9),
    );
    await sequential([new nn.GlobalMaxPooling2D({ inputShape: [4, 3, 2] })], x([4, 3, 2], 10));
    await sequential([new nn.GlobalAveragePooling1D({ inputShape: [4, 3] })], x([4, 3], 11));
    await sequential(
      [new nn.MaxPooling3D(2, { inputShape: [4, 4, 4, 1] }), new nn.AveragePooling3D(2, { padding: 'same' })],
      x([4, 4, 4, 1], 12),
    );
  });

  test('a stack of convolutions and pools transposes to channels-first once and back once', async () => {
    const { toOnnx } = await import('./export.js');
    const model = new nn.Sequential([
      new nn.Conv2D(2, 3, { activation: 'relu', inputShape: [8, 8, 1] }),
      new nn.MaxPooling2D(2),
      new nn.Conv2D(2, 2, { activation: 'relu' }),
      new nn.Flatten(),
    ]);
    model.predict(nb.zeros([1, 8, 8, 1])).dispose();
    const text = new TextDecoder('latin1').decode(await toOnnx(model));
    // Each node holds its op type once and its name (n<k>_<op>) once.
    expect(text.split('Transpose').length - 1).toBe(2 * 2);
    expect(text.split('Conv').length - 1).toBe(2 * 2);
    model.dispose();
  });
});

describe('normalization, embedding, reshaping', () => {
  test('BatchNormalization (the last axis and axis 1, without gamma) and LayerNormalization (trailing axes and not)', async () => {
    await sequential(
      [
        new nn.BatchNormalization({ inputShape: [4, 3] }),
        new nn.BatchNormalization({ axis: 1, scale: false, epsilon: 0.01 }),
        new nn.LayerNormalization({ axis: [1, 2] }),
        new nn.LayerNormalization({ axis: 1, center: false }),
        new nn.LayerNormalization({ scale: false }),
      ],
      x([4, 3], 13),
    );
  });

  test('Embedding (float indices cast, int32 input of a Sequential), then Flatten and Dense', async () => {
    const ids = nb.cast(nb.floor(nb.randomUniform([3, 5], { maxval: 7, seed: 14 })), 'int32');
    await sequential([new nn.Embedding(7, 4, { inputShape: [5] }), new nn.Flatten(), new nn.Dense(2, { activation: 'softmax' })], ids);
  });

  test('UpSampling (nearest and bilinear), ZeroPadding, Cropping, RepeatVector, Permute, Reshape', async () => {
    await sequential(
      [
        new nn.UpSampling2D([2, 3], { inputShape: [3, 2, 2] }),
        new nn.ZeroPadding2D([
          [1, 0],
          [2, 1],
        ]),
        new nn.Cropping2D([
          [0, 2],
          [1, 1],
        ]),
        new nn.UpSampling2D(2, { interpolation: 'bilinear' }),
        new nn.Permute([3, 1, 2]),
        new nn.Reshape([-1, 4]),
        new nn.UpSampling1D(2),
        new nn.ZeroPadding1D([1, 2]),
        new nn.Cropping1D([2, 1]),
        new nn.Flatten(),
        new nn.RepeatVector(2),
      ],
      x([3, 2, 2], 15),
    );
  });

  test('every activation a layer may name', async () => {
    const names = ['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'swish', 'silu'];
    const more = ['gelu', 'leakyRelu', 'exponential', 'logSoftmax', 'linear'];
    await sequential(
      [new nn.Dense(4, { inputShape: [3] }), ...[...names, ...more].map((activation) => new nn.Activation(activation))],
      x([3], 16),
    );
  });
});

describe('merging and attention (functional models)', () => {
  test('Add, Subtract, Multiply, Average, Maximum, Minimum with a lower-rank input; Concatenate; Dot', async () => {
    nb.setBackend('cpu');
    const a = nn.input({ shape: [3, 4], name: 'a' });
    const v = nn.input({ shape: [4], name: 'v' });
    const merged = [nn.Add, nn.Subtract, nn.Multiply, nn.Average, nn.Maximum, nn.Minimum].map((M) => new M().apply([a, v]));
    const joined = new nn.Concatenate(1).apply(merged);
    const cosine = new nn.Dot({ axes: [2, 1], normalize: true }).apply([joined, v]);
    const dot = new nn.Dot(-1).apply([new nn.Dense(4).apply(a), a]);
    const model = new nn.Model({ inputs: [a, v], outputs: [cosine, dot] });
    randomize(model, 17);
    await expectSameAsPredict(model, [x([3, 4], 17), x([4], 18)]);
    model.dispose();
  });

  test('MultiHeadAttention: causal, returned scores, a query of another length, an attention mask input, outputShape', async () => {
    nb.setBackend('cpu');
    const q = nn.input({ shape: [3, 6], name: 'q' });
    const kv = nn.input({ shape: [5, 4], name: 'kv' });
    const allowed = nn.input({ shape: [3, 5], name: 'allowed' });
    const [out, scores] = new nn.MultiHeadAttention(2, 3, { valueDim: 2, returnAttentionScores: true }).apply([
      q,
      kv,
      kv,
      allowed,
    ]) as nn.SymbolicTensor[];
    const self = new nn.MultiHeadAttention(3, 2, { useCausalMask: true, outputShape: [2, 3] }).apply([q, q]);
    const model = new nn.Model({ inputs: [q, kv, allowed], outputs: [out, scores, self as nn.SymbolicTensor] });
    randomize(model, 19);
    const mask = nb.cast(nb.greater(nb.randomUniform([3, 3, 5], { seed: 20 }), 0.3), 'float32');
    await expectSameAsPredict(model, [x([3, 6], 21), x([5, 4], 22), mask]);
    model.dispose();
  });

  test('TransformerEncoder (post-norm; pre-norm, causal, an attention mask input) on Embedding with maskZero: the padding mask reaches both and the pooling', async () => {
    nb.setBackend('cpu');
    const ids = nn.input({ shape: [6], dtype: 'int32', name: 'ids' });
    const allowed = nn.input({ shape: [6, 6], name: 'allowed' });
    let h = new nn.Embedding(9, 8, { maskZero: true }).apply(ids);
    h = new nn.TransformerEncoder(16, 2).apply(h);
    h = new nn.TransformerEncoder(12, 4, { normalizeFirst: true, useCausalMask: true, activation: 'gelu' }).apply([h, allowed]);
    const pooled = new nn.GlobalAveragePooling1D().apply(h);
    const model = new nn.Model({ inputs: [ids, allowed], outputs: new nn.Dense(3).apply(pooled) });
    randomize(model, 23);
    const mask = nb.cast(nb.greater(nb.randomUniform([3, 6, 6], { seed: 26 }), 0.3), 'float32');
    await expectSameAsPredict(model, [PADDED, mask]);
    model.dispose();
  });

  test('PositionEmbedding and SinePositionEncoding', async () => {
    nb.setBackend('cpu');
    const t = nn.input({ shape: [5, 4], name: 'tokens' });
    const sum = new nn.Add().apply([t, new nn.PositionEmbedding({ sequenceLength: 7 }).apply(t), new nn.SinePositionEncoding().apply(t)]);
    const model = new nn.Model({ inputs: t, outputs: sum });
    randomize(model, 25);
    await expectSameAsPredict(model, [x([5, 4], 25)]);
    model.dispose();
  });

  test('masks as Keras 3 treats them: Multiply, Maximum, Concatenate, GlobalAveragePooling1D, MultiHeadAttention', async () => {
    nb.setBackend('cpu');
    const ids = nn.input({ shape: [6], dtype: 'int32', name: 'ids' });
    const e1 = new nn.Embedding(9, 3, { maskZero: true }).apply(ids);
    const e2 = new nn.Embedding(9, 3, { maskZero: true }).apply(ids);
    const e3 = new nn.Embedding(9, 3).apply(ids);
    const both = new nn.Multiply().apply([e1, e2]);
    const one = new nn.Multiply().apply([e3, e1]);
    const max = new nn.Minimum().apply([new nn.Maximum().apply([e2, e1]), e3]);
    const joined = new nn.Concatenate(1).apply([both, max, one]);
    // The query's and the value's masks; then the key's alone.
    const attended = new nn.MultiHeadAttention(2, 2).apply([e1, e2]) as nn.SymbolicTensor;
    const keyed = new nn.MultiHeadAttention(2, 2).apply([e3, e3, e1]) as nn.SymbolicTensor;
    const pool = (t: nn.SymbolicTensor) => new nn.GlobalAveragePooling1D().apply(t);
    const model = new nn.Model({
      inputs: ids,
      // Flatten drops the mask, so the zeros Multiply puts where every input is masked show.
      outputs: [pool(joined), pool(attended), pool(keyed), new nn.Flatten().apply(both)],
    });
    randomize(model, 24);
    await expectSameAsPredict(model, [PADDED]);
    model.dispose();
  });
});
