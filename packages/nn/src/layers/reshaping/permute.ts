import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';

export interface PermuteArgs extends LayerArgs {
  /** The order of the sample axes, numbered from 1 (the batch axis stays first), when the options are the only argument. */
  dims?: number[];
}

/** Reorders the axes of each sample: Permute([2, 1]) swaps the two axes of [batch, a, b] (Keras's Permute). */
export class Permute extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, dims: nb.is.any };
  override get className(): string {
    return 'Permute';
  }
  readonly dims: number[];

  /** `new Permute(dims, options)` as Keras, or `new Permute({ dims })` as TensorFlow.js. */
  constructor(dims: number[] | PermuteArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [d, rest] = primaryAndArgs<PermuteArgs>('Permute', 'dims', dims, args, extra);
    super(rest);
    const list = d as number[];
    const isPermutation = Array.isArray(list) && list.length > 0 && [...list].sort((p, q) => p - q).every((v, i) => v === i + 1);
    if (!isPermutation) {
      throw new nb.NablaError(
        `${this.name}: dims must be a permutation of 1..n (the sample axes, the batch axis excluded), got ${JSON.stringify(d) ?? nb.describe(d)}`,
      );
    }
    this.dims = [...list];
  }

  override build(inputShape: LayerShape): void {
    if (inputShape.length !== this.dims.length) {
      throw new nb.NablaError(
        `${this.name}: dims [${this.dims}] permute ${this.dims.length} axes, got samples of ${inputShape.length} ([null,${inputShape.map((v) => v ?? 'null')}])`,
      );
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return this.dims.map((d) => inputShape[d - 1]);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return nb.transpose(x, [0, ...this.dims]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

registerLayer('Permute', Permute);
