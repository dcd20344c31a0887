import type * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import type * as tfjs from '@tensorflow/tfjs';
import { batches, classes, uniform } from './layer-data.js';

type TF = typeof tfjs;

/** What the bench needs of a nabla model: Sequential and the functional Model alike. */
export interface NablaModel {
  fit(x: unknown, y: unknown, args: { epochs: number; batchSize: number; shuffle: boolean; verbose: 0 }): Promise<unknown>;
  getWeights(): nb.Tensor[];
  dispose(): void;
}

/**
 * The train steps of issue 12's speed section, the same model and data in nabla, TensorFlow.js
 * and PyTorch (torch/peer.py builds the same models from `sizes`). Adam with learning rate 1e-3
 * everywhere; each framework initializes weights its own way (the time of a step does not
 * depend on the values).
 */
export interface LayerWorkload {
  name: string;
  /** As printed in the table. */
  size: string;
  /** The sizes torch/peer.py reads. */
  sizes: Record<string, number>;
  batch: number;
  /** One sample's x shape, and y's ([] for a class index). */
  xShape: number[];
  yShape: number[];
  /** Integer class labels (softmax cross-entropy) or float targets (mean squared error). */
  labels: 'classes' | 'values';
  /** The nabla model, compiled, on the current backend. */
  nabla: () => NablaModel;
  /** The TensorFlow.js model, compiled; a string says why TensorFlow.js has none. */
  tfjs: ((tf: TF) => tfjs.LayersModel) | string;
}

const CONV = { batch: 32, height: 28, width: 28, channels: 1, filters: 32, kernel: 3, classes: 10 };
const RECURRENT = { batch: 32, length: 20, features: 16, units: 64 };
const TRANSFORMER = { batch: 32, length: 64, width: 128, heads: 4, ff: 512 };

function recurrentNabla(Cell: typeof nn.LSTM | typeof nn.GRU) {
  return () => {
    const model = new nn.Sequential([new Cell(RECURRENT.units, { inputShape: [RECURRENT.length, RECURRENT.features] }), new nn.Dense(1)]);
    model.compile({ optimizer: new nn.Adam(1e-3), loss: 'meanSquaredError' });
    return model;
  };
}

function recurrentTfjs(layer: 'lstm' | 'gru') {
  return (tf: TF) => {
    const model = tf.sequential({
      layers: [
        tf.layers[layer]({ units: RECURRENT.units, inputShape: [RECURRENT.length, RECURRENT.features] }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    return model;
  };
}

export const LAYER_WORKLOADS: LayerWorkload[] = [
  {
    name: 'conv-step',
    size: 'batch 32, Conv2D 32 3x3 relu on 28x28x1, Flatten, Dense 10 softmax, cross-entropy, Adam',
    sizes: CONV,
    batch: CONV.batch,
    xShape: [CONV.height, CONV.width, CONV.channels],
    yShape: [],
    labels: 'classes',
    nabla: () => {
      const model = new nn.Sequential([
        new nn.Conv2D(CONV.filters, CONV.kernel, { activation: 'relu', inputShape: [CONV.height, CONV.width, CONV.channels] }),
        new nn.Flatten(),
        new nn.Dense(CONV.classes, { activation: 'softmax' }),
      ]);
      model.compile({ optimizer: new nn.Adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
      return model;
    },
    tfjs: (tf) => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            filters: CONV.filters,
            kernelSize: CONV.kernel,
            activation: 'relu',
            inputShape: [CONV.height, CONV.width, CONV.channels],
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: CONV.classes, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
      return model;
    },
  },
  {
    name: 'lstm-step',
    size: 'batch 32, length 20, 16 features, LSTM(64), Dense 1, MSE, Adam',
    sizes: RECURRENT,
    batch: RECURRENT.batch,
    xShape: [RECURRENT.length, RECURRENT.features],
    yShape: [1],
    labels: 'values',
    nabla: recurrentNabla(nn.LSTM),
    tfjs: recurrentTfjs('lstm'),
  },
  {
    name: 'gru-step',
    // TensorFlow.js's GRU supports only resetAfter: false (Keras 1's gate order); nabla's and
    // PyTorch's apply the reset gate after the product (Keras 3's default). Same cost.
    size: 'batch 32, length 20, 16 features, GRU(64), Dense 1, MSE, Adam',
    sizes: RECURRENT,
    batch: RECURRENT.batch,
    xShape: [RECURRENT.length, RECURRENT.features],
    yShape: [1],
    labels: 'values',
    nabla: recurrentNabla(nn.GRU),
    tfjs: recurrentTfjs('gru'),
  },
  {
    name: 'transformer-step',
    size: 'batch 32, length 64, width 128, post-norm encoder block (4 heads of 32, FF 512 relu), mean over time, Dense 1, MSE, Adam',
    sizes: TRANSFORMER,
    batch: TRANSFORMER.batch,
    xShape: [TRANSFORMER.length, TRANSFORMER.width],
    yShape: [1],
    labels: 'values',
    // TransformerEncoder is keras_hub's block: post-norm, dropout 0, LayerNormalization epsilon
    // 1e-5 (PyTorch's), relu; a layer like any other, so Sequential holds it.
    nabla: () => {
      const model = new nn.Sequential([
        new nn.TransformerEncoder({
          intermediateDim: TRANSFORMER.ff,
          numHeads: TRANSFORMER.heads,
          inputShape: [TRANSFORMER.length, TRANSFORMER.width],
        }),
        new nn.GlobalAveragePooling1D(),
        new nn.Dense(1),
      ]);
      model.compile({ optimizer: new nn.Adam(1e-3), loss: 'meanSquaredError' });
      return model;
    },
    tfjs: 'TensorFlow.js: no MultiHeadAttention layer',
  },
];

/** `count` batches of a workload, end to end: x's values, and y's (int32 classes or floats). */
export function workloadData(w: LayerWorkload, count: number): { x: Float32Array; y: Float32Array | Int32Array } {
  const xSize = w.batch * w.xShape.reduce((a, b) => a * b, 1);
  const ySize = w.batch * w.yShape.reduce((a, b) => a * b, 1);
  const x = batches(count, (k) => uniform(1 + 2 * k, xSize));
  const classCount = w.sizes.classes;
  const y =
    w.labels === 'classes'
      ? batches(count, (k) => classes(2 + 2 * k, ySize, classCount))
      : batches(count, (k) => uniform(2 + 2 * k, ySize));
  return { x, y };
}
