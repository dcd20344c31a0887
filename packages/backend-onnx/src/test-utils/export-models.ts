import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import { randomize } from './export-check.js';

/**
 * One small model per family of exported layers, together covering every layer class that has a
 * built-in exporter (the Triton tests check that against registeredOnnxExporters()), with the
 * awkward configurations of the export tests: 'same' with stride 2 on odd sizes, dilation,
 * groups, masks anywhere in a sequence, several inputs and outputs, a per-sample scalar.
 * `inputs(batch, seed)` draws a batch of any size for the model's inputs.
 */

type AnyModel = nn.Sequential | nn.Model<nn.SymbolicTensor | nn.SymbolicTensor[]>;

export interface ExportCase {
  name: string;
  build(): AnyModel;
  inputs(batch: number, seed: number): nb.Tensor[];
}

const uniform = (shape: number[]) => (batch: number, seed: number) => nb.randomUniform([batch, ...shape], { minval: -2, maxval: 2, seed });

/** Token ids in [0, vocab): about one in `vocab` is 0, the padding Embedding(maskZero) masks, anywhere in a sequence. */
const ids = (time: number, vocab: number) => (batch: number, seed: number) =>
  nb.cast(nb.floor(nb.randomUniform([batch, time], { maxval: vocab - 1e-3, seed })), 'int32');

/** An attention mask of 0s and 1s. */
const allowed = (shape: number[]) => (batch: number, seed: number) =>
  nb.cast(nb.greater(nb.randomUniform([batch, ...shape], { seed }), 0.3), 'float32');

function draw(...gens: ((batch: number, seed: number) => nb.Tensor)[]) {
  return (batch: number, seed: number) => gens.map((g, i) => g(batch, seed * 10 + i));
}

/** A Sequential built on one sample, its weights drawn anew. */
function sequential(layers: nn.Layer[], seed: number, sample: nb.Tensor): nn.Sequential {
  const model = new nn.Sequential(layers);
  model.predict(sample).dispose();
  sample.dispose();
  randomize(model, seed);
  return model;
}

function functional(inputs: nn.SymbolicTensor | nn.SymbolicTensor[], outputs: nn.SymbolicTensor | nn.SymbolicTensor[], seed: number) {
  const model = new nn.Model({ inputs, outputs });
  randomize(model, seed);
  return model;
}

const flat = (ts: nn.SymbolicTensor | nn.SymbolicTensor[]) => (Array.isArray(ts) ? ts : [ts]);

function seqCase(name: string, shape: number[], layers: () => nn.Layer[], seed: number): ExportCase {
  const inputs = draw(uniform(shape));
  return { name, build: () => sequential(layers(), seed, inputs(1, 0)[0]), inputs };
}

export const EXPORT_CASES: ExportCase[] = [
  seqCase(
    'Dense, Dropout and every activation',
    [3],
    () => {
      const names = ['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'swish', 'silu'];
      const more = ['gelu', 'leakyRelu', 'exponential', 'logSoftmax', 'linear'];
      return [new nn.Dense(4, { inputShape: [3] }), new nn.Dropout(0.5), ...[...names, ...more].map((a) => new nn.Activation(a))];
    },
    1,
  ),
  seqCase(
    'Conv2D',
    [8, 7, 2],
    () => [
      new nn.Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu', inputShape: [8, 7, 2] }),
      new nn.Conv2D(4, 3, { padding: 'same', dilationRate: 2, groups: 2, activation: 'tanh' }),
      new nn.Conv2D(3, [2, 1], { activation: 'softmax' }),
    ],
    2,
  ),
  seqCase(
    'Conv1D',
    [9, 2],
    () => [
      new nn.Conv1D(3, 3, { padding: 'causal', dilationRate: 2, inputShape: [9, 2] }),
      new nn.Conv1D(2, 2, { padding: 'same', strides: 2, useBias: false, activation: 'gelu' }),
    ],
    3,
  ),
  seqCase('Conv3D', [3, 4, 5, 2], () => [new nn.Conv3D(2, 2, { padding: 'same', strides: 2, inputShape: [3, 4, 5, 2] })], 4),
  seqCase(
    'DepthwiseConv2D, SeparableConv2D',
    [7, 6, 3],
    () => [
      new nn.DepthwiseConv2D(3, { depthMultiplier: 2, strides: 2, padding: 'same', inputShape: [7, 6, 3] }),
      new nn.DepthwiseConv2D(2, { dilationRate: 2, activation: 'elu' }),
      new nn.SeparableConv2D(5, 3, { padding: 'same', depthMultiplier: 2, activation: 'swish' }),
    ],
    5,
  ),
  seqCase(
    'DepthwiseConv1D, SeparableConv1D',
    [8, 3],
    () => [
      new nn.DepthwiseConv1D(3, { depthMultiplier: 2, padding: 'same', inputShape: [8, 3] }),
      new nn.SeparableConv1D(2, 3, { strides: 2 }),
    ],
    6,
  ),
  seqCase(
    'Conv2DTranspose',
    [3, 4, 2],
    () => [
      new nn.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', inputShape: [3, 4, 2] }),
      new nn.Conv2DTranspose(2, [3, 2], { strides: [2, 3], activation: 'sigmoid' }),
    ],
    7,
  ),
  seqCase(
    'Conv1DTranspose, Conv3DTranspose',
    [4, 2],
    () => [
      new nn.Conv1DTranspose(2, 3, { strides: 3, outputPadding: 2, inputShape: [4, 2] }),
      new nn.Conv1DTranspose(2, 3, { dilationRate: 2, padding: 'same' }),
      new nn.Reshape([7, 2, 2, 1]),
      new nn.Conv3DTranspose(2, 2, { strides: 2, padding: 'same' }),
    ],
    8,
  ),
  {
    name: 'pooling 1D, 2D and 3D, global pooling',
    build: () => {
      const a = nn.input({ shape: [9, 2], name: 'a' });
      const b = nn.input({ shape: [7, 5, 2], name: 'b' });
      const c = nn.input({ shape: [4, 4, 4, 2], name: 'c' });
      const a1 = new nn.AveragePooling1D(2).apply(new nn.MaxPooling1D(3, { strides: 2, padding: 'same' }).apply(a));
      const b1 = new nn.MaxPooling2D(2, { strides: 1, padding: 'same' }).apply(
        new nn.AveragePooling2D(3, { strides: 2, padding: 'same' }).apply(b),
      );
      const c1 = new nn.AveragePooling3D(2, { padding: 'same' }).apply(new nn.MaxPooling3D(2).apply(c));
      const outputs = [
        new nn.GlobalMaxPooling1D().apply(a1),
        new nn.GlobalAveragePooling1D().apply(a1),
        new nn.GlobalAveragePooling2D({ keepdims: true }).apply(b1),
        new nn.GlobalMaxPooling2D().apply(b1),
        new nn.GlobalAveragePooling3D().apply(c1),
        new nn.GlobalMaxPooling3D().apply(c1),
      ];
      return functional([a, b, c], outputs, 9);
    },
    inputs: draw(uniform([9, 2]), uniform([7, 5, 2]), uniform([4, 4, 4, 2])),
  },
  seqCase(
    'BatchNormalization (inference), LayerNormalization',
    [4, 3],
    () => [
      new nn.BatchNormalization({ inputShape: [4, 3] }),
      new nn.BatchNormalization({ axis: 1, scale: false, epsilon: 0.01 }),
      new nn.LayerNormalization({ axis: [1, 2] }),
      new nn.LayerNormalization({ axis: 1, center: false }),
      new nn.LayerNormalization({ scale: false }),
    ],
    10,
  ),
  {
    name: 'Embedding (int32 ids), Flatten, Dense',
    build: () =>
      sequential(
        [new nn.Embedding(7, 4, { inputShape: [5] }), new nn.Flatten(), new nn.Dense(2, { activation: 'softmax' })],
        11,
        ids(5, 7)(1, 0),
      ),
    inputs: draw(ids(5, 7)),
  },
  seqCase(
    'UpSampling, ZeroPadding, Cropping, RepeatVector, Permute, Reshape',
    [3, 2, 2],
    () => [
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
    12,
  ),
  {
    name: 'merging: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot',
    build: () => {
      const a = nn.input({ shape: [3, 4], name: 'a' });
      const v = nn.input({ shape: [4], name: 'v' });
      const merged = [nn.Add, nn.Subtract, nn.Multiply, nn.Average, nn.Maximum, nn.Minimum].map((M) => new M().apply([a, v]));
      const joined = new nn.Concatenate(1).apply(merged);
      const cosine = new nn.Dot({ axes: [2, 1], normalize: true }).apply([joined, v]);
      const dot = new nn.Dot(-1).apply([new nn.Dense(4).apply(a), a]);
      return functional([a, v], [cosine, dot], 13);
    },
    inputs: draw(uniform([3, 4]), uniform([4])),
  },
  {
    name: 'MultiHeadAttention: causal, scores, an attention mask input',
    build: () => {
      const q = nn.input({ shape: [3, 6], name: 'q' });
      const kv = nn.input({ shape: [5, 4], name: 'kv' });
      const mask = nn.input({ shape: [3, 5], name: 'allowed' });
      const [out, scores] = new nn.MultiHeadAttention(2, 3, { valueDim: 2, returnAttentionScores: true }).apply([
        q,
        kv,
        kv,
        mask,
      ]) as nn.SymbolicTensor[];
      const self = new nn.MultiHeadAttention(3, 2, { useCausalMask: true, outputShape: [2, 3] }).apply([q, q]) as nn.SymbolicTensor;
      return functional([q, kv, mask], [out, scores, self], 14);
    },
    inputs: draw(uniform([3, 6]), uniform([5, 4]), allowed([3, 5])),
  },
  {
    name: 'TransformerEncoder on Embedding(maskZero), PositionEmbedding, SinePositionEncoding',
    build: () => {
      const tokens = nn.input({ shape: [6], dtype: 'int32', name: 'ids' });
      const mask = nn.input({ shape: [6, 6], name: 'allowed' });
      let h = new nn.Embedding(9, 8, { maskZero: true }).apply(tokens);
      h = new nn.Add().apply([h, new nn.PositionEmbedding({ sequenceLength: 7 }).apply(h), new nn.SinePositionEncoding().apply(h)]);
      h = new nn.TransformerEncoder(16, 2).apply(h);
      h = new nn.TransformerEncoder(12, 4, { normalizeFirst: true, useCausalMask: true, activation: 'gelu' }).apply([h, mask]);
      return functional([tokens, mask], new nn.Dense(3).apply(new nn.GlobalAveragePooling1D().apply(h)), 15);
    },
    inputs: draw(ids(6, 9), allowed([6, 6])),
  },
  {
    name: 'masks as Keras 3 treats them',
    build: () => {
      const tokens = nn.input({ shape: [6], dtype: 'int32', name: 'ids' });
      const e1 = new nn.Embedding(9, 3, { maskZero: true }).apply(tokens);
      const e2 = new nn.Embedding(9, 3, { maskZero: true }).apply(tokens);
      const e3 = new nn.Embedding(9, 3).apply(tokens);
      const both = new nn.Multiply().apply([e1, e2]);
      const max = new nn.Minimum().apply([new nn.Maximum().apply([e2, e1]), e3]);
      const joined = new nn.Concatenate(1).apply([both, max, new nn.Multiply().apply([e3, e1])]);
      const attended = new nn.MultiHeadAttention(2, 2).apply([e1, e2]) as nn.SymbolicTensor;
      const pool = (t: nn.SymbolicTensor) => new nn.GlobalAveragePooling1D().apply(t);
      return functional(tokens, [pool(joined), pool(attended), new nn.Flatten().apply(both)], 16);
    },
    inputs: draw(ids(6, 9)),
  },
  ...[false, true].map(
    (masked): ExportCase => ({
      name: `SimpleRNN, LSTM, GRU, Bidirectional (${masked ? 'unrolled under a mask' : "ONNX's ops"})`,
      build: () => {
        const input = masked ? nn.input({ shape: [5], dtype: 'int32', name: 'ids' }) : nn.input({ shape: [5, 3], name: 'seq' });
        const s = masked ? new nn.Embedding(9, 3, { maskZero: true }).apply(input) : input;
        const outputs = [
          new nn.SimpleRNN(4).apply(s) as nn.SymbolicTensor,
          ...flat(new nn.SimpleRNN(3, { returnSequences: true, goBackwards: true, returnState: true, activation: 'relu' }).apply(s)),
          ...flat(new nn.LSTM(4, { returnSequences: true, returnState: true }).apply(s)),
          new nn.GRU(3, { resetAfter: false, returnSequences: true, goBackwards: true }).apply(s) as nn.SymbolicTensor,
          new nn.Bidirectional(new nn.LSTM(3, { returnSequences: true })).apply(s) as nn.SymbolicTensor,
          new nn.Bidirectional(new nn.GRU(2), { mergeMode: 'sum' }).apply(s) as nn.SymbolicTensor,
        ];
        return functional(input, outputs, masked ? 18 : 17);
      },
      inputs: masked ? draw(ids(5, 9)) : draw(uniform([5, 3])),
    }),
  ),
  {
    name: 'two inputs, two outputs, a shared layer, initial states, a per-sample scalar in and out',
    build: () => {
      const seq = nn.input({ shape: [4, 2], name: 'seq' });
      const h = nn.input({ shape: [3], name: 'h' });
      const c = nn.input({ shape: [3], name: 'c' });
      const scalar = nn.input({ shape: [], name: 'scalar' });
      const lstm = new nn.LSTM(3).apply([seq, h, c]) as nn.SymbolicTensor;
      const shared = new nn.Dense(3, { activation: 'tanh' });
      const label = new nn.Dense(2, { activation: 'softmax', name: 'label' }).apply(
        new nn.Concatenate().apply([shared.apply(lstm), shared.apply(h)]),
      );
      const score = new nn.Activation('tanh', { name: 'score' }).apply(scalar);
      return functional([seq, h, c, scalar], [label, score], 19);
    },
    inputs: draw(uniform([4, 2]), uniform([3]), uniform([3]), uniform([])),
  },
];

/** The layer class names a model holds, a Bidirectional's wrapped layer included. */
export function layerClasses(model: AnyModel): string[] {
  return model.layers.flatMap((l) => {
    const inner = (l.getConfig() as { layer?: { className?: string } }).layer?.className;
    return inner ? [l.className, inner] : [l.className];
  });
}
