import { distinct, x } from './layers-inputs.mjs';

/**
 * Convolution, pooling and reshaping layer cases (channels-last). Odd spatial sizes with stride
 * 2 and 'same' padding are where implementations differ: TensorFlow pads the extra row and
 * column at the end (bottom/right), and average pooling divides by the count of real values.
 */

const one = (className, config, input, tag) => ({ layers: [{ className, config }], inputs: [input], ...(tag ? { tag } : {}) });

function convolutions() {
  return [
    one('Conv1D', { filters: 4, kernelSize: 3 }, x([2, 9, 3])),
    one('Conv1D', { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, x([2, 9, 3])),
    one('Conv1D', { filters: 3, kernelSize: 2, strides: 2, padding: 'same' }, x([2, 8, 2])),
    one('Conv1D', { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }, x([2, 9, 2])),
    one('Conv1D', { filters: 2, kernelSize: 4, activation: 'tanh' }, x([1, 7, 3])),

    one('Conv2D', { filters: 4, kernelSize: 3 }, x([2, 7, 7, 3])),
    one('Conv2D', { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, x([2, 7, 7, 3])),
    one('Conv2D', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, x([2, 6, 6, 2])),
    one('Conv2D', { filters: 3, kernelSize: 3, strides: 2 }, x([2, 7, 7, 2])),
    one('Conv2D', { filters: 3, kernelSize: 2, strides: 2, padding: 'same' }, x([1, 5, 5, 2])),
    one('Conv2D', { filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }, x([2, 5, 6, 2])),
    one('Conv2D', { filters: 3, kernelSize: [1, 3], strides: [1, 3] }, x([1, 4, 7, 2])),
    one('Conv2D', { filters: 3, kernelSize: 3, dilationRate: 2 }, x([2, 7, 7, 2])),
    one('Conv2D', { filters: 3, kernelSize: 3, dilationRate: [2, 1], padding: 'same' }, x([1, 6, 5, 2])),
    one('Conv2D', { filters: 2, kernelSize: 1, useBias: false }, x([2, 3, 4, 5])),
    one('Conv2D', { filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }, x([1, 5, 5, 2])),

    one('DepthwiseConv2D', { kernelSize: 3 }, x([2, 6, 6, 3])),
    one('DepthwiseConv2D', { kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }, x([2, 7, 7, 2])),
    one('DepthwiseConv2D', { kernelSize: [2, 3], strides: [1, 2] }, x([2, 5, 7, 2])),

    one('SeparableConv2D', { filters: 4, kernelSize: 3, padding: 'same' }, x([2, 6, 6, 3])),
    one('SeparableConv2D', { filters: 3, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }, x([2, 7, 7, 2])),
    one('SeparableConv2D', { filters: 3, kernelSize: 2, dilationRate: 2, useBias: false }, x([1, 6, 6, 2])),

    one('Conv2DTranspose', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, x([2, 4, 4, 2])),
    one('Conv2DTranspose', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, x([1, 5, 3, 2])),
    one('Conv2DTranspose', { filters: 3, kernelSize: 3, strides: 2 }, x([2, 3, 4, 2])),
    one('Conv2DTranspose', { filters: 2, kernelSize: 2, strides: 2 }, x([1, 3, 3, 3])),
    one('Conv2DTranspose', { filters: 2, kernelSize: 4, strides: 2, padding: 'same' }, x([1, 3, 3, 2])),
    one('Conv2DTranspose', { filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', useBias: false }, x([1, 3, 4, 2])),
    one('Conv2DTranspose', { filters: 2, kernelSize: 3 }, x([2, 4, 3, 2])),

    one('Conv3D', { filters: 2, kernelSize: 2 }, x([2, 3, 4, 3, 2])),
    one('Conv3D', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, x([1, 5, 5, 4, 2])),
    one('Conv3D', { filters: 2, kernelSize: [1, 2, 3], useBias: false }, x([1, 3, 3, 4, 3])),

    one('Conv3DTranspose', { filters: 2, kernelSize: 2, strides: 2 }, x([1, 2, 3, 2, 2])),
    one('Conv3DTranspose', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, x([1, 2, 3, 3, 2])),
  ];
}

function pooling() {
  return [
    one('MaxPooling1D', {}, distinct([2, 8, 3])),
    one('MaxPooling1D', { poolSize: 3, strides: 2, padding: 'same' }, distinct([2, 9, 3])),
    one('MaxPooling1D', { poolSize: 3, strides: 1 }, distinct([2, 7, 2])),
    one('MaxPooling2D', {}, distinct([2, 4, 6, 2])),
    one('MaxPooling2D', { poolSize: 3, strides: 2, padding: 'same' }, distinct([2, 5, 5, 2])),
    one('MaxPooling2D', { poolSize: 2, padding: 'same' }, distinct([1, 5, 7, 2])),
    one('MaxPooling2D', { poolSize: [2, 3], strides: [1, 2] }, distinct([2, 4, 7, 2])),
    one('AveragePooling1D', {}, x([2, 8, 3])),
    one('AveragePooling1D', { poolSize: 3, strides: 2, padding: 'same' }, x([2, 9, 3])),
    one('AveragePooling1D', { poolSize: 2, padding: 'same' }, x([2, 7, 2])),
    one('AveragePooling2D', {}, x([2, 6, 6, 2])),
    one('AveragePooling2D', { poolSize: 3, strides: 2, padding: 'same' }, x([2, 7, 7, 2])),
    one('AveragePooling2D', { poolSize: 2, padding: 'same' }, x([1, 5, 7, 2])),
    one('AveragePooling2D', { poolSize: [3, 2], strides: [2, 2] }, x([2, 7, 6, 2])),
    one('MaxPooling3D', {}, distinct([1, 4, 4, 4, 1])),
    one('MaxPooling3D', { poolSize: 3, strides: 2, padding: 'same' }, distinct([1, 5, 3, 3, 2])),
    one('AveragePooling3D', {}, x([2, 4, 4, 2, 2])),
    one('AveragePooling3D', { poolSize: [2, 3, 2], strides: 1 }, x([1, 3, 4, 3, 2])),
    one('GlobalAveragePooling1D', {}, x([2, 7, 3])),
    one('GlobalAveragePooling2D', {}, x([2, 5, 6, 3])),
    one('GlobalMaxPooling1D', {}, distinct([2, 7, 3])),
    one('GlobalMaxPooling2D', {}, distinct([2, 5, 4, 3])),
  ];
}

function reshaping() {
  return [
    one('UpSampling2D', {}, x([2, 3, 4, 2])),
    one('UpSampling2D', { size: [2, 3] }, x([1, 3, 2, 3])),
    one('ZeroPadding2D', {}, x([2, 3, 4, 2])),
    one('ZeroPadding2D', { padding: [2, 1] }, x([1, 3, 3, 2])),
    one(
      'ZeroPadding2D',
      {
        padding: [
          [1, 2],
          [0, 3],
        ],
      },
      x([2, 3, 4, 2]),
    ),
    one('Cropping2D', { cropping: 1 }, x([2, 5, 5, 2])),
    one('Cropping2D', { cropping: [2, 1] }, x([1, 6, 5, 2])),
    one(
      'Cropping2D',
      {
        cropping: [
          [1, 2],
          [0, 3],
        ],
      },
      x([2, 6, 7, 2]),
    ),
  ];
}

function repeatPermute() {
  return [
    one('RepeatVector', { n: 3 }, x([2, 4])),
    one('Permute', { dims: [2, 1] }, x([2, 3, 4])),
    one('Permute', { dims: [3, 1, 2] }, x([2, 3, 4, 2])),
  ];
}

export function convCases() {
  return [...convolutions(), ...pooling(), ...reshaping(), ...repeatPermute()];
}
