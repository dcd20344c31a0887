import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape, type Mask } from '../layer.js';
import { checkDataFormat, spatialAndChannels } from './args.js';

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
  /** Keep the spatial axes as size 1 (default false). */
  keepdims?: boolean;
}

const GLOBAL_OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, dataFormat: nb.is.any, keepdims: nb.is.boolean };

/**
 * The mean or the maximum over every spatial axis (Keras's BaseGlobalPooling): [...spatial,
 * channels] samples become [channels], or [1, ..., 1, channels] with keepdims.
 */
export abstract class GlobalPooling extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = GLOBAL_OPTIONS;

  readonly keepdims: boolean;

  protected constructor(
    readonly rank: number,
    private readonly kind: 'max' | 'avg',
    args: GlobalPoolingArgs = {},
    extra: unknown[] = [],
  ) {
    nb.checkArity(kind === 'max' ? `GlobalMaxPooling${rank}D` : `GlobalAveragePooling${rank}D`, [args, ...extra], 1);
    super(args);
    checkDataFormat(this.name, args.dataFormat);
    this.keepdims = args.keepdims ?? false;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    return this.keepdims ? [...new Array(this.rank).fill(1), channels] : [channels];
  }

  override build(inputShape: LayerShape): void {
    spatialAndChannels(this.name, inputShape, this.rank);
    super.build(inputShape);
  }

  override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    const axes = Array.from({ length: this.rank }, (_, i) => i + 1);
    const mask = ctx.mask as Mask | undefined;
    if (this.kind === 'avg' && this.rank === 1 && mask) return this.maskedMean(x, mask);
    return this.kind === 'max' ? nb.max(x, axes, this.keepdims) : nb.mean(x, axes, this.keepdims);
  }

  /**
   * The mean over the real timesteps of each sequence (Keras's masked GlobalAveragePooling1D).
   * Padded steps are left out by a select, so a NaN or Infinity there does not reach the result,
   * and a sequence with no real step gives zeros (Keras divides 0 by 0).
   */
  private maskedMean(x: nb.Tensor, mask: nb.Tensor): nb.Tensor {
    const m = nb.expandDims(mask, 2);
    const sum = nb.sum(nb.where(m, x, 0), 1, this.keepdims);
    const count = nb.sum(nb.cast(m, x.dtype), 1, this.keepdims);
    return nb.div(sum, nb.maximum(count, 1));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), keepdims: this.keepdims };
  }
}

/** The mean over the steps; a mask (Embedding's maskZero) leaves out the padded steps. */
export class GlobalAveragePooling1D extends GlobalPooling {
  override get className(): string {
    return 'GlobalAveragePooling1D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(1, 'avg', args, extra);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  override get className(): string {
    return 'GlobalAveragePooling2D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(2, 'avg', args, extra);
  }
}

export class GlobalAveragePooling3D extends GlobalPooling {
  override get className(): string {
    return 'GlobalAveragePooling3D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(3, 'avg', args, extra);
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  override get className(): string {
    return 'GlobalMaxPooling1D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(1, 'max', args, extra);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  override get className(): string {
    return 'GlobalMaxPooling2D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(2, 'max', args, extra);
  }
}

export class GlobalMaxPooling3D extends GlobalPooling {
  override get className(): string {
    return 'GlobalMaxPooling3D';
  }
  constructor(args?: GlobalPoolingArgs, ...extra: unknown[]) {
    super(3, 'max', args, extra);
  }
}
