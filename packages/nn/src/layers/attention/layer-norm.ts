import * as nb from '@nabla/core';
import type { Weight } from '../../weight.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from '../layer.js';

/**
 * Layer normalization over the last axis with Keras's weights (gamma, beta) and formula
 * ((x - mean) / sqrt(variance + epsilon) * gamma + beta, the population variance), for the
 * Transformer block's sublayers until @nabla/nn's LayerNormalization lands; the weights' names
 * are the same, so a saved block loads after the switch. Not registered: never saved by itself.
 */
export class BlockLayerNorm extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...Layer.OPTIONS, epsilon: nb.is.positive };
  override supportsMasking = true;
  readonly epsilon: number;
  gamma?: Weight;
  beta?: Weight;

  constructor(args: LayerArgs & { epsilon?: number }) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: LayerShape): void {
    const d = inputShape[inputShape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [d], { initializer: 'ones' });
    this.beta = this.addWeight('beta', [d], { initializer: 'zeros' });
    super.build(inputShape);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const mean = nb.mean(x, -1, true);
    const centered = nb.sub(x, mean);
    const variance = nb.mean(nb.square(centered), -1, true);
    const normalized = nb.mul(centered, nb.rsqrt(nb.add(variance, this.epsilon)));
    return nb.add(nb.mul(normalized, (this.gamma as Weight).value), (this.beta as Weight).value);
  }
}
