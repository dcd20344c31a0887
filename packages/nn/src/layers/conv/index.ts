import { registerLayer } from '../registry.js';
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

// The convolution and pooling layers, registered under their Keras names.
export type { ConvPadding } from './args.js';
export { Conv1D, Conv2D, Conv3D, type ConvArgs } from './conv.js';
export {
  DepthwiseConv1D,
  DepthwiseConv2D,
  type DepthwiseConvArgs,
  SeparableConv1D,
  SeparableConv2D,
  type SeparableConvArgs,
} from './depthwise.js';
export {
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalAveragePooling3D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalMaxPooling3D,
  type GlobalPoolingArgs,
} from './global-pooling.js';
export {
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  type PoolingArgs,
} from './pooling.js';
export { Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, type ConvTransposeArgs } from './transpose.js';

const LAYERS = {
  Conv1D,
  Conv2D,
  Conv3D,
  Conv1DTranspose,
  Conv2DTranspose,
  Conv3DTranspose,
  DepthwiseConv1D,
  DepthwiseConv2D,
  SeparableConv1D,
  SeparableConv2D,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalAveragePooling3D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalMaxPooling3D,
};
for (const [name, cls] of Object.entries(LAYERS)) registerLayer(name, cls);
