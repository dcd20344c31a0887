import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { primaryAndArgs } from './primary.js';

export interface DropoutArgs extends LayerArgs {
  /** The fraction dropped, when the options are the only argument (TensorFlow.js's form). */
  rate?: number;
  /** Mixed into the training step's seed (which already differs per layer position). */
  seed?: number;
}

/**
 * Zeroes a fraction `rate` of the inputs while training and scales the rest by 1/(1-rate), so
 * inference (which passes inputs through) sees the same expected values. Masks come from the
 * training step's seed tensor: reproducible for a given fit seed, fresh every step.
 */
export class Dropout extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, rate: nb.is.any, seed: nb.is.integer };
  override get className(): string {
    return 'Dropout';
  }
  /** Acts on each position alone, so a sequence's mask passes through. */
  override supportsMasking = true;
  readonly rate: number;
  readonly seed: number;

  /** `new Dropout(0.5, options)` as Keras, or `new Dropout({ rate: 0.5 })` as TensorFlow.js. */
  constructor(rate: number | DropoutArgs, args?: DropoutArgs, ...extra: unknown[]) {
    const [r, a] = primaryAndArgs<DropoutArgs>('Dropout', 'rate', rate, args, extra);
    super(a);
    if (!(typeof r === 'number' && r >= 0 && r < 1)) throw new nb.NablaError(`${this.name}: rate must be in [0, 1), got ${nb.describe(r)}`);
    this.rate = r;
    this.seed = a.seed ?? 0;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const seed = ctx.seed ? nb.add(ctx.seed, nb.scalar(this.seed | 0, 'int32')) : undefined;
    const keep = nb.greaterEqual(nb.randomUniform(x.shape, seed === undefined ? {} : { seed }), this.rate);
    return nb.where(keep, nb.div(x, 1 - this.rate), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
