import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';
import { checkRank } from './tuples.js';

export interface RepeatVectorArgs extends LayerArgs {
  /** How many times to repeat, when the options are the only argument (TensorFlow.js's form). */
  n?: number;
}

/** Repeats each vector n times: [batch, features] -> [batch, n, features] (Keras's RepeatVector). */
export class RepeatVector extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, n: nb.is.any };
  override get className(): string {
    return 'RepeatVector';
  }
  readonly n: number;

  /** `new RepeatVector(n, options)` as Keras, or `new RepeatVector({ n })` as TensorFlow.js. */
  constructor(n: number | RepeatVectorArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [count, rest] = primaryAndArgs<RepeatVectorArgs>('RepeatVector', 'n', n, args, extra);
    super(rest);
    if (!(typeof count === 'number' && Number.isInteger(count) && count > 0)) {
      throw new nb.NablaError(`${this.name}: n must be a positive integer, got ${nb.describe(count)}`);
    }
    this.n = count;
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 1, '[batch, features]');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [this.n, ...inputShape];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const [batch, features] = x.shape;
    return nb.broadcastTo(nb.reshape(x, [batch, 1, features]), [batch, this.n, features]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

registerLayer('RepeatVector', RepeatVector);
