import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../activations.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { primaryAndArgs } from './primary.js';

export interface ActivationArgs extends LayerArgs {
  /** The activation, when the options are the only argument (TensorFlow.js's form). */
  activation?: string | ActivationFn;
}

/** Applies an activation function (by name or as a function). */
export class Activation extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, activation: nb.is.either(nb.is.string, nb.is.function) };
  override get className(): string {
    return 'Activation';
  }
  /** Acts on each position alone, so a sequence's mask passes through. */
  override supportsMasking = true;
  readonly activation: { name: string; fn: ActivationFn };

  /** `new Activation('relu', options)` as Keras, or `new Activation({ activation: 'relu' })` as TensorFlow.js. */
  constructor(activation: string | ActivationFn | ActivationArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [fn, a] = primaryAndArgs<ActivationArgs>('Activation', 'activation', activation, args, extra);
    super(a);
    if (fn === undefined) throw new nb.NablaError(`${this.name}: needs an activation, a name such as 'relu' or a function`);
    this.activation = getActivation(fn as string | ActivationFn);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return this.activation.fn(x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}
