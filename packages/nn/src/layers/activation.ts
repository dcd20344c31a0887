import type * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../activations.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';

/** Applies an activation function (by name or as a function). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: { name: string; fn: ActivationFn };

  constructor(activation: string | ActivationFn, args: LayerArgs = {}) {
    super(args);
    this.activation = getActivation(activation);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return this.activation.fn(x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}
