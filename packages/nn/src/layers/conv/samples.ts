import type { Layer } from '../layer.js';
import type { LayerSample } from '../samples.js';
import { Conv1D, Conv2D, Conv3D } from './conv.js';
import { DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D } from './depthwise.js';
import {
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalAveragePooling3D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalMaxPooling3D,
} from './global-pooling.js';
import { AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D } from './pooling.js';
import { Conv1DTranspose, Conv2DTranspose, Conv3DTranspose } from './transpose.js';

type Ctor = new (...args: never[]) => Layer;

/** A sample constructed from `primary` positional arguments then an options object (the Keras form). */
function sample(what: string, cls: Ctor, primary: unknown[], options: object, input: number[]): LayerSample {
  return {
    what,
    make: (o) => Reflect.construct(cls, [...primary, { ...options, ...o }]),
    positional: (...e) => Reflect.construct(cls, [...primary, { ...options }, ...e]),
    input,
  };
}

/** Samples of the conv layers for the generic layer tests (see ../samples.ts): the awkward configurations of each. */
export const SAMPLES: Record<string, LayerSample[]> = {
  Conv1D: [
    sample('causal padding, dilation 2', Conv1D, [3, 3], { padding: 'causal', dilationRate: 2 }, [7, 2]),
    sample(
      'stride 2, same padding, odd length, 2 groups, relu',
      Conv1D,
      [4, 3],
      { strides: 2, padding: 'same', groups: 2, activation: 'relu' },
      [7, 4],
    ),
  ],
  Conv2D: [
    sample('stride 2, same padding, odd sizes, tanh', Conv2D, [3, 3], { strides: 2, padding: 'same', activation: 'tanh' }, [5, 5, 2]),
    sample('dilation, 2 groups, no bias', Conv2D, [4, [2, 3]], { dilationRate: [2, 1], groups: 2, useBias: false }, [6, 5, 4]),
  ],
  Conv3D: [sample('same padding', Conv3D, [2, 2], { padding: 'same' }, [3, 4, 3, 2])],
  Conv1DTranspose: [sample('stride 2, valid', Conv1DTranspose, [3, 3], { strides: 2 }, [4, 2])],
  Conv2DTranspose: [
    sample('stride 2, same, outputPadding 1', Conv2DTranspose, [3, 3], { strides: 2, padding: 'same', outputPadding: 1 }, [3, 3, 2]),
    sample('kernel below the stride, valid', Conv2DTranspose, [2, [2, 1]], { strides: [3, 2] }, [2, 3, 1]),
  ],
  Conv3DTranspose: [sample('stride 2', Conv3DTranspose, [2, 2], { strides: 2 }, [2, 2, 2, 2])],
  DepthwiseConv1D: [sample('depthMultiplier 2', DepthwiseConv1D, [3], { depthMultiplier: 2 }, [6, 3])],
  DepthwiseConv2D: [
    sample(
      'stride 2, same padding, odd sizes, depthMultiplier 2',
      DepthwiseConv2D,
      [3],
      { strides: 2, padding: 'same', depthMultiplier: 2 },
      [5, 5, 2],
    ),
  ],
  SeparableConv1D: [sample('same padding, depthMultiplier 2', SeparableConv1D, [3, 3], { padding: 'same', depthMultiplier: 2 }, [6, 2])],
  SeparableConv2D: [sample('strides [2, 1]', SeparableConv2D, [3, [3, 2]], { strides: [2, 1] }, [5, 4, 2])],
  MaxPooling1D: [sample('pool 3, stride 2, same padding, odd length', MaxPooling1D, [3], { strides: 2, padding: 'same' }, [7, 2])],
  MaxPooling2D: [sample('the default 2x2', MaxPooling2D, [2], {}, [5, 4, 2])],
  MaxPooling3D: [sample('pool 2, stride 1', MaxPooling3D, [2], { strides: 1 }, [3, 3, 2, 1])],
  AveragePooling1D: [sample('pool 2, stride 1', AveragePooling1D, [2], { strides: 1 }, [5, 2])],
  AveragePooling2D: [
    sample('pool 3, stride 2, same padding (padding not counted)', AveragePooling2D, [3], { strides: 2, padding: 'same' }, [5, 5, 2]),
  ],
  AveragePooling3D: [sample('same padding', AveragePooling3D, [2], { padding: 'same' }, [3, 2, 3, 1])],
  GlobalAveragePooling1D: [sample('over the steps', GlobalAveragePooling1D, [], {}, [4, 3])],
  GlobalAveragePooling2D: [sample('keepdims', GlobalAveragePooling2D, [], { keepdims: true }, [3, 3, 2])],
  GlobalAveragePooling3D: [sample('over three axes', GlobalAveragePooling3D, [], {}, [2, 3, 2, 2])],
  GlobalMaxPooling1D: [sample('keepdims', GlobalMaxPooling1D, [], { keepdims: true }, [4, 3])],
  GlobalMaxPooling2D: [sample('over rows and columns', GlobalMaxPooling2D, [], {}, [3, 4, 2])],
  GlobalMaxPooling3D: [sample('over three axes', GlobalMaxPooling3D, [], {}, [2, 2, 3, 2])],
};
