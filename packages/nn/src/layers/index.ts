import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { type LayerClass, registerLayer } from './registry.js';
import { Reshape } from './reshape.js';

export { Activation, type ActivationArgs } from './activation.js';
export * from './attention/index.js';
export * from './conv/index.js';
export { Dense, type DenseArgs } from './dense.js';
export { Dropout, type DropoutArgs } from './dropout.js';
export * from './embedding/index.js';
export { Flatten } from './flatten.js';
export {
  type AddWeightOptions,
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Mask,
  type Masks,
  type Shapes,
  type Tensors,
} from './layer.js';
export * from './merging/index.js';
export * from './normalization/index.js';
export * from './recurrent/index.js';
export { type LayerClass, layerFromConfig, registeredLayers, registerLayer } from './registry.js';
export { Reshape, type ReshapeArgs } from './reshape.js';
export * from './reshaping/index.js';

const CORE_LAYERS: Record<string, LayerClass> = { Dense, Activation, Dropout, Flatten, Reshape };
for (const [name, cls] of Object.entries(CORE_LAYERS)) registerLayer(name, cls);
