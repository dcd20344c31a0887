import * as nb from '@nabla/core';
import {
  Adam,
  Add,
  BatchNormalization,
  Concatenate,
  Conv2D,
  Dense,
  Embedding,
  Flatten,
  GlobalAveragePooling1D,
  input,
  layerFromConfig,
  MaxPooling2D,
  Model,
  type Optimizer,
  type Outputs,
  PositionEmbedding,
  RMSprop,
  Sequential,
  SGD,
  TransformerEncoder,
  type Weight,
} from '@nabla/nn';
import { TOLERANCES } from '../tolerance.js';
import type { CrossRun, HostTensor } from './cross-training.js';

/** Seeded uniform values in [lo, hi), from core's Philox: the same on every machine. */
function uniform(shape: number[], seed: number, lo = -1, hi = 1): HostTensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return { data: Array.from(nb.philoxUniform(size, [seed, 0], [0, 0]), (u) => lo + (hi - lo) * u), shape };
}

/** Seeded integers in [lo, hi). */
function integers(shape: number[], seed: number, lo: number, hi: number): HostTensor {
  const u = uniform(shape, seed, lo, hi);
  return { ...u, data: Array.from(u.data, Math.floor), dtype: 'int32' };
}

/** One-hot rows of the argmax of each row's values, reduced to `classes` columns by sums. */
function labelsOf(x: HostTensor, classes: number): HostTensor {
  const n = x.shape[0];
  const per = x.data.length / n;
  const data = new Array<number>(n * classes).fill(0);
  for (let i = 0; i < n; i++) {
    const sums = new Array<number>(classes).fill(0);
    for (let j = 0; j < per; j++) sums[j % classes] += x.data[i * per + j];
    data[i * classes + sums.indexOf(Math.max(...sums))] = 1;
  }
  return { data, shape: [n, classes] };
}

/**
 * Initial values for every weight, from the seed and the weight's place: Glorot-uniform-sized
 * kernels, small biases, scales and variances near 1 (a variance must stay positive). Host
 * values, so both backends of a pair start from exactly the same weights.
 */
function initialWeights(weights: readonly Weight[], seed: number): nb.Tensor[] {
  return weights.map((w, i) => {
    const center = /(gamma|movingVariance)$/.test(w.name) ? 1 : 0;
    const small = w.shape.length < 2 || /bias$/i.test(w.name);
    const [fanIn, fanOut] = [w.shape.slice(0, -1).reduce((p, d) => p * d, 1), w.shape[w.shape.length - 1]];
    const limit = small ? 0.1 : Math.sqrt(6 / (fanIn + fanOut));
    const u = uniform([...w.shape], seed * 1000 + i, center - limit, center + limit);
    return nb.tensor(Array.from(u.data), [...w.shape]);
  });
}

/** Sets the model's initial weights from host values and compiles it. */
function ready(model: Model<Outputs>, seed: number, optimizer: Optimizer, loss: string | string[], lossWeights?: number[]): Model<Outputs> {
  model.setWeights(initialWeights(model.weights, seed));
  model.compile({ optimizer, loss, ...(lossWeights ? { lossWeights } : {}) });
  return model;
}

/** A small CNN: Conv2D, BatchNormalization (moving statistics compared too), MaxPooling2D, Dense; momentum SGD. */
function cnn(): CrossRun {
  const x = uniform([32, 8, 8, 2], 11);
  return {
    id: 'cnn (Conv2D, BatchNormalization, MaxPooling2D, Dense; momentum SGD)',
    classes: ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dense'],
    model: () =>
      ready(
        new Sequential([
          new Conv2D(4, 3, { padding: 'same', activation: 'relu', inputShape: [8, 8, 2] }),
          new BatchNormalization({ momentum: 0.9 }),
          new MaxPooling2D(2),
          new Flatten(),
          new Dense(3, { activation: 'softmax' }),
        ]),
        1,
        new SGD({ learningRate: 0.05, momentum: 0.9 }),
        'categoricalCrossentropy',
      ),
    inputs: [x],
    targets: [labelsOf(x, 3)],
    batchSize: 8,
    epochs: 6,
    weights: TOLERANCES.crossTrainingWeights,
  };
}

/** Token ids with padding (0) at the end of some rows, never a row of padding only. */
function tokens(n: number, length: number, vocab: number, seed: number): HostTensor {
  const ids = integers([n, length], seed, 1, vocab);
  const lengths = integers([n], seed + 1, 2, length + 1);
  const data = Array.from(ids.data, (v, k) => (k % length < lengths.data[Math.floor(k / length)] ? v : 0));
  return { ...ids, data };
}

/** A target per sequence: the mean of its ids over the vocabulary size (padding included, a fixed rule). */
function meanOf(ids: HostTensor, vocab: number): HostTensor {
  const [n, length] = ids.shape;
  const data = Array.from(
    { length: n },
    (_, i) =>
      Array.prototype.slice.call(ids.data, i * length, (i + 1) * length).reduce((p: number, v: number) => p + v, 0) / (length * vocab),
  );
  return { data, shape: [n, 1] };
}

/**
 * A text model of the functional API: Embedding with maskZero (the mask carried through Add into
 * the encoder's attention and the masked pooling), a learned PositionEmbedding, a
 * TransformerEncoder block (LayerNormalization inside), GlobalAveragePooling1D, Dense; Adam.
 */
function transformer(): CrossRun {
  const ids = tokens(32, 6, 12, 21);
  return {
    id: 'transformer (Embedding maskZero, PositionEmbedding, TransformerEncoder, masked GlobalAveragePooling1D; Adam)',
    classes: ['Embedding', 'PositionEmbedding', 'Add', 'TransformerEncoder', 'GlobalAveragePooling1D', 'Dense'],
    model: () => {
      const x = input({ shape: [6], dtype: 'int32' });
      const embedded = new Embedding(12, 8, { maskZero: true }).apply(x);
      const h = new Add().apply([embedded, new PositionEmbedding(6).apply(embedded)]);
      const encoded = new TransformerEncoder(16, 2).apply(h);
      const y = new Dense(1).apply(new GlobalAveragePooling1D().apply(encoded));
      return ready(new Model({ inputs: x, outputs: y }), 2, new Adam({ learningRate: 0.01 }), 'meanSquaredError');
    },
    inputs: [ids],
    targets: [meanOf(ids, 12)],
    batchSize: 8,
    epochs: 6,
    weights: TOLERANCES.crossTrainingWeightsAdam,
  };
}

/**
 * A functional model of two inputs and two outputs, one Dense shared by both branches (its
 * gradient is the sum of both uses), per-output losses with loss weights; RMSprop.
 */
function twoInputs(): CrossRun {
  const [a, b] = [uniform([32, 5], 31), uniform([32, 5], 32)];
  return {
    id: 'functional (two inputs, a shared Dense, Concatenate, two outputs and losses; RMSprop)',
    classes: ['Dense', 'Concatenate'],
    model: () => {
      const [xa, xb] = [input({ shape: [5] }), input({ shape: [5] })];
      const shared = new Dense(6, { activation: 'tanh' });
      const [ha, hb] = [shared.apply(xa), shared.apply(xb)];
      const sum = new Dense(1).apply(new Concatenate().apply([ha, hb]));
      const cls = new Dense(3, { activation: 'softmax' }).apply(hb);
      const model = new Model({ inputs: [xa, xb], outputs: [sum, cls] });
      return ready(model, 3, new RMSprop({ learningRate: 0.01 }), ['meanSquaredError', 'categoricalCrossentropy'], [1, 0.5]);
    },
    inputs: [a, b],
    targets: [{ data: Array.from({ length: 32 }, (_, i) => a.data[i * 5] - b.data[i * 5 + 1]), shape: [32, 1] }, labelsOf(b, 3)],
    batchSize: 8,
    epochs: 6,
    weights: TOLERANCES.crossTrainingWeights,
  };
}

/** Embedding with maskZero into an LSTM (padded steps skipped), Dense; Adam. Through the registry: left out until LSTM lands. */
function lstm(): CrossRun {
  const ids = tokens(32, 8, 12, 41);
  return {
    id: 'lstm (Embedding maskZero, LSTM, Dense; Adam)',
    classes: ['Embedding', 'LSTM', 'Dense'],
    model: () =>
      ready(
        new Sequential([new Embedding(12, 8, { maskZero: true, inputShape: [8] }), layerFromConfig('LSTM', { units: 8 }), new Dense(1)]),
        4,
        new Adam({ learningRate: 0.01 }),
        'meanSquaredError',
      ),
    inputs: [ids],
    targets: [meanOf(ids, 12)],
    batchSize: 8,
    epochs: 6,
    weights: TOLERANCES.crossTrainingWeightsAdam,
  };
}

/** A GRU (Keras's resetAfter default) on seeded sequences, Dense; Adam. Left out until GRU lands. */
function gru(): CrossRun {
  const x = uniform([32, 10, 2], 51);
  return {
    id: 'gru (GRU, Dense; Adam)',
    classes: ['GRU', 'Dense'],
    model: () =>
      ready(
        new Sequential([layerFromConfig('GRU', { units: 8, inputShape: [10, 2] }), new Dense(1)]),
        5,
        new Adam({ learningRate: 0.01 }),
        'meanSquaredError',
      ),
    inputs: [x],
    targets: [{ data: Array.from({ length: 32 }, (_, i) => x.data[i * 20 + 18] + 0.5 * x.data[i * 20 + 1]), shape: [32, 1] }],
    batchSize: 8,
    epochs: 6,
    weights: TOLERANCES.crossTrainingWeightsAdam,
  };
}

/** Every layer family, trained a few dozen steps from seeded weights and data (see CrossRun). */
export function familyRuns(): CrossRun[] {
  return [cnn(), transformer(), twoInputs(), lstm(), gru()];
}
