import * as nb from '@nabla/core';
import type { Layer, LayerShape, Shapes } from '../layers/layer.js';

/** A Sequential layer's one output shape; several are an error naming the functional API. */
export function singleShape(layer: Layer, shapes: Shapes): LayerShape {
  if (shapes.length > 0 && Array.isArray(shapes[0])) {
    throw new nb.NablaError(
      `Sequential: layer '${layer.name}' returns ${shapes.length} tensors; a Sequential layer returns one (build the model with the functional API, nn.Model)`,
    );
  }
  return shapes as LayerShape;
}
