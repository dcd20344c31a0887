import { tfLayer } from './layers-tf.mjs';

/**
 * TF.js layer behaviours behind the layer cases left out of layers.json or made by PyTorch
 * instead (README.md, "Left out of layers.json"). Checked on every run and printed, so the
 * README's claims can be re-verified; nothing here is written to the fixtures.
 */

function attempt(f) {
  try {
    return f();
  } catch (e) {
    return `throws: ${e.message}`;
  }
}

const shapeOf = (tf, layer, shape) => attempt(() => tf.tidy(() => `[${layer.apply(tf.ones(shape)).shape}]`));

/** TF.js's BatchNormalization(axis 1) in inference against the formula, on seeded-free fixed values. */
function batchNormAxis1(tf) {
  return attempt(() =>
    tf.tidy(() => {
      const x = tf.tensor(
        Array.from({ length: 24 }, (_, i) => Math.sin(i)),
        [2, 3, 4],
      );
      const layer = tf.layers.batchNormalization({ axis: 1 });
      layer.apply(x);
      const p = [
        [1.5, 0.7, 1.2],
        [0.1, -0.2, 0.3],
        [0.2, -0.1, 0.4],
        [0.9, 1.3, 0.6],
      ].map((v) => tf.tensor(v));
      layer.setWeights(p);
      const r = (t) => t.reshape([1, 3, 1]);
      const formula = x.sub(r(p[2])).div(r(p[3]).add(1e-3).sqrt()).mul(r(p[0])).add(r(p[1]));
      return `max |TF.js - formula| ${tf
        .max(tf.abs(layer.apply(x).sub(formula)))
        .dataSync()[0]
        .toPrecision(3)}`;
    }),
  );
}

export function probeLayerIssues(tf) {
  return [
    ['GRU resetAfter true', attempt(() => tf.layers.gru({ units: 2, resetAfter: true }) && 'accepted')],
    [
      'Conv2D 3x3 groups 3 on [1,5,5,3] -> kernel shape',
      attempt(() => {
        const layer = tf.layers.conv2d({ filters: 3, kernelSize: 3, groups: 3 });
        tf.tidy(() => layer.apply(tf.ones([1, 5, 5, 3])));
        return `[${layer.getWeights()[0].shape}] (grouped would be [3,3,1,3])`;
      }),
    ],
    ['Conv1D padding causal', shapeOf(tf, tf.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'causal' }), [1, 6, 2])],
    [
      'DepthwiseConv2D 3x3 dilationRate 2 on [1,7,7,1] (dilated: [1,3,3,1])',
      shapeOf(tf, tfLayer(tf, 'DepthwiseConv2D', { kernelSize: 3, dilationRate: 2 }), [1, 7, 7, 1]),
    ],
    [
      'Conv2DTranspose 3x3 dilationRate 2 on [1,7,7,1] (dilated: [1,11,11,1])',
      shapeOf(tf, tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, dilationRate: 2 }), [1, 7, 7, 1]),
    ],
    ['BatchNormalization axis 1 on [2,3,4], inference', batchNormAxis1(tf)],
    ['GlobalMaxPooling2D keepDims on [1,3,3,2]', shapeOf(tf, tf.layers.globalMaxPooling2d({ keepDims: true }), [1, 3, 3, 2])],
    [
      'Concatenate axis -2 of [1,2,3] and [1,4,3]',
      attempt(() => tf.tidy(() => `[${tf.layers.concatenate({ axis: -2 }).apply([tf.ones([1, 2, 3]), tf.ones([1, 4, 3])]).shape}]`)),
    ],
  ];
}
