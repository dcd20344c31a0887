import * as nb from '@nabla/core';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';

/** Flattens each sample to one axis: [batch, a, b, c] -> [batch, a*b*c]. */
export class Flatten extends Layer<nb.Tensor> {
  override get className(): string {
    return 'Flatten';
  }

  constructor(args: LayerArgs = {}, ...extra: unknown[]) {
    nb.checkArity('Flatten', [args, ...extra], 1);
    super(args);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape.some((d) => d === null) ? null : inputShape.reduce((a: number, b) => a * (b as number), 1)];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return nb.reshape(x, [x.shape[0], -1]);
  }
}
