import { NablaError } from '@nabla/core';
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { Layer } from './layer.js';
import { Reshape } from './reshape.js';

export { Activation } from './activation.js';
export { Dense, type DenseArgs } from './dense.js';
export { Dropout, type DropoutArgs } from './dropout.js';
export { Flatten } from './flatten.js';
export { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';
export { Reshape } from './reshape.js';

/** Rebuilds a layer from { className, config } as saved by a model (architecture only). */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  const args = { ...config };
  switch (className) {
    case 'Dense':
      return new Dense(args.units as number, args);
    case 'Activation':
      return new Activation(args.activation as string, args);
    case 'Dropout':
      return new Dropout(args.rate as number, args);
    case 'Flatten':
      return new Flatten(args);
    case 'Reshape':
      return new Reshape(args.targetShape as number[], args);
    default:
      throw new NablaError(`unknown layer class '${className}'; known: Dense, Activation, Dropout, Flatten, Reshape`);
  }
}
