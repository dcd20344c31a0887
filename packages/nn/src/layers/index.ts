import * as nb from '@nabla/core';
import { unknownName } from '../options.js';
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { Layer } from './layer.js';
import { Reshape } from './reshape.js';

export { Activation, type ActivationArgs } from './activation.js';
export { Dense, type DenseArgs } from './dense.js';
export { Dropout, type DropoutArgs } from './dropout.js';
export { Flatten } from './flatten.js';
export { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from './layer.js';
export { Reshape, type ReshapeArgs } from './reshape.js';

/** Rebuilds a layer from { className, config } as saved by a model (architecture only). */
export function layerFromConfig(className: string, config: Record<string, unknown>, ...extra: unknown[]): Layer {
  nb.checkArity('layerFromConfig', [className, config, ...extra], 2);
  // Every layer takes its whole config as one options object (TensorFlow.js's form).
  const args = { ...config };
  switch (className) {
    case 'Dense':
      return new Dense(args);
    case 'Activation':
      return new Activation(args);
    case 'Dropout':
      return new Dropout(args);
    case 'Flatten':
      return new Flatten(args);
    case 'Reshape':
      return new Reshape(args);
    default:
      throw unknownName('layerFromConfig', 'layer class', className, ['Dense', 'Activation', 'Dropout', 'Flatten', 'Reshape']);
  }
}
