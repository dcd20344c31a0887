import * as nb from '@nabla/core';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';

export interface DropoutArgs extends LayerArgs {
  /** Mixed into the training step's seed (which already differs per layer position). */
  seed?: number;
}

/**
 * Zeroes a fraction `rate` of the inputs while training and scales the rest by 1/(1-rate), so
 * inference (which passes inputs through) sees the same expected values. Masks come from the
 * training step's seed tensor: reproducible for a given fit seed, fresh every step.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number;

  constructor(rate: number, args: DropoutArgs = {}) {
    super(args);
    if (!(rate >= 0 && rate < 1)) throw new nb.NablaError(`${this.name}: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.seed = args.seed ?? 0;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const seed = ctx.seed ? nb.add(ctx.seed, nb.scalar(this.seed | 0, 'int32')) : undefined;
    const keep = nb.greaterEqual(nb.randomUniform(x.shape, seed === undefined ? {} : { seed }), this.rate);
    return nb.where(keep, nb.div(x, 1 - this.rate), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
