/**
 * Builds the TF.js layer for a layer case from its Keras 3 form ({ className, config } in
 * nabla's camelCase option names), so the case table states each configuration once, as nabla
 * reads it. Where TF.js's defaults differ from Keras 3's, the Keras 3 value is passed to TF.js
 * explicitly (below); a Keras 3 option TF.js lacks is rejected here rather than dropped (TF.js
 * itself ignores unknown options silently: `groups` on a Conv2D is accepted and has no effect).
 */

const FACTORIES = {
  Conv1D: 'conv1d',
  Conv2D: 'conv2d',
  Conv3D: 'conv3d',
  DepthwiseConv2D: 'depthwiseConv2d',
  SeparableConv2D: 'separableConv2d',
  Conv2DTranspose: 'conv2dTranspose',
  Conv3DTranspose: 'conv3dTranspose',
  MaxPooling1D: 'maxPooling1d',
  MaxPooling2D: 'maxPooling2d',
  MaxPooling3D: 'maxPooling3d',
  AveragePooling1D: 'averagePooling1d',
  AveragePooling2D: 'averagePooling2d',
  AveragePooling3D: 'averagePooling3d',
  GlobalAveragePooling1D: 'globalAveragePooling1d',
  GlobalAveragePooling2D: 'globalAveragePooling2d',
  GlobalMaxPooling1D: 'globalMaxPooling1d',
  GlobalMaxPooling2D: 'globalMaxPooling2d',
  UpSampling2D: 'upSampling2d',
  ZeroPadding2D: 'zeroPadding2d',
  Cropping2D: 'cropping2D',
  RepeatVector: 'repeatVector',
  Permute: 'permute',
  BatchNormalization: 'batchNormalization',
  LayerNormalization: 'layerNormalization',
  Embedding: 'embedding',
  SimpleRNN: 'simpleRNN',
  LSTM: 'lstm',
  GRU: 'gru',
  Bidirectional: 'bidirectional',
  Add: 'add',
  Multiply: 'multiply',
  Concatenate: 'concatenate',
  Average: 'average',
  Maximum: 'maximum',
  Minimum: 'minimum',
  Dot: 'dot',
  Dense: 'dense',
  Flatten: 'flatten',
  Activation: 'activation',
};

/** The options each class takes (Keras 3 names that TF.js reads under the same name). */
const CONV = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias'];
const POOL = ['poolSize', 'strides', 'padding'];
const RNN = ['units', 'activation', 'useBias', 'returnSequences', 'returnState', 'goBackwards'];
const OPTIONS = {
  Conv1D: CONV,
  Conv2D: CONV,
  Conv3D: CONV,
  DepthwiseConv2D: ['kernelSize', 'strides', 'padding', 'dilationRate', 'depthMultiplier', 'activation', 'useBias'],
  SeparableConv2D: [...CONV, 'depthMultiplier'],
  Conv2DTranspose: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias'],
  Conv3DTranspose: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias'],
  MaxPooling1D: POOL,
  MaxPooling2D: POOL,
  MaxPooling3D: POOL,
  AveragePooling1D: POOL,
  AveragePooling2D: POOL,
  AveragePooling3D: POOL,
  GlobalAveragePooling1D: [],
  GlobalAveragePooling2D: [],
  GlobalMaxPooling1D: [],
  GlobalMaxPooling2D: [],
  UpSampling2D: ['size'],
  ZeroPadding2D: ['padding'],
  Cropping2D: ['cropping'],
  RepeatVector: ['n'],
  Permute: ['dims'],
  BatchNormalization: ['axis', 'momentum', 'epsilon', 'center', 'scale'],
  LayerNormalization: ['axis', 'epsilon', 'center', 'scale'],
  Embedding: ['inputDim', 'outputDim', 'maskZero'],
  SimpleRNN: RNN,
  LSTM: [...RNN, 'recurrentActivation'],
  GRU: [...RNN, 'recurrentActivation', 'resetAfter'],
  Bidirectional: ['layer', 'mergeMode'],
  Add: [],
  Multiply: [],
  Concatenate: ['axis'],
  Average: [],
  Maximum: [],
  Minimum: [],
  Dot: ['axes', 'normalize'],
  Dense: ['units', 'activation', 'useBias'],
  Flatten: [],
  Activation: ['activation'],
};

/**
 * Initializers set to zeros: the case overwrites every weight with seeded values, so TF.js's
 * random initializers (Math.random, an orthogonal matrix by QR) would only cost time.
 */
const ZEROS = {
  Conv1D: ['kernelInitializer', 'biasInitializer'],
  Conv2D: ['kernelInitializer', 'biasInitializer'],
  Conv3D: ['kernelInitializer', 'biasInitializer'],
  DepthwiseConv2D: ['depthwiseInitializer', 'biasInitializer'],
  SeparableConv2D: ['depthwiseInitializer', 'pointwiseInitializer', 'biasInitializer'],
  Conv2DTranspose: ['kernelInitializer', 'biasInitializer'],
  Conv3DTranspose: ['kernelInitializer', 'biasInitializer'],
  Embedding: ['embeddingsInitializer'],
  SimpleRNN: ['kernelInitializer', 'recurrentInitializer', 'biasInitializer'],
  LSTM: ['kernelInitializer', 'recurrentInitializer', 'biasInitializer'],
  GRU: ['kernelInitializer', 'recurrentInitializer', 'biasInitializer'],
  Dense: ['kernelInitializer', 'biasInitializer'],
};

/** Builds the TF.js layer for a Keras 3 { className, config }; `extra` goes to TF.js as is (inputShape). */
export function tfLayer(tf, className, config = {}, extra = {}) {
  const factory = FACTORIES[className];
  if (!factory) throw new Error(`tfLayer: no TF.js layer mapped for ${className}`);
  const allowed = OPTIONS[className];
  const args = { ...extra };
  for (const [k, v] of Object.entries(config)) {
    if (!allowed.includes(k)) throw new Error(`tfLayer: ${className} option '${k}' is not mapped to TF.js`);
    args[k] = v;
  }
  for (const k of ZEROS[className] ?? []) args[k] = 'zeros';
  if (className === 'LSTM' || className === 'GRU') {
    // Keras 3's default recurrent activation is sigmoid; TF.js's is hardSigmoid (and TF.js's
    // hardSigmoid is 0.2x + 0.5 clipped, Keras 3's is relu6(x + 3) / 6).
    args.recurrentActivation = config.recurrentActivation ?? 'sigmoid';
  }
  if (className === 'GRU') {
    // Keras 3's default is resetAfter true, which TF.js's GRUCell rejects: GRU cases from
    // TF.js state resetAfter false (the PyTorch generator makes the resetAfter true cases).
    if (config.resetAfter !== false) throw new Error('tfLayer: TF.js GRU supports resetAfter false only');
    delete args.resetAfter;
  }
  if (className === 'Bidirectional') args.layer = tfLayer(tf, config.layer.className, config.layer.config);
  return tf.layers[factory](args);
}

/**
 * A weight's name as the case records it: TF.js's name without the layer's own scope and
 * without the unique suffixes TF.js appends ('bidirectional_Bidirectional1/forward_lstm_LSTM2/kernel'
 * is 'forward_lstm/kernel'; 'conv2d_Conv2D1/kernel' is 'kernel').
 */
export function weightName(originalName) {
  const parts = originalName.split('/').slice(1);
  return parts.map((p) => p.replace(/_[A-Z][A-Za-z0-9]*?\d+$/, '')).join('/');
}
