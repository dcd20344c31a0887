import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { checkDataFormat, paddingOf, spatialAndChannels, tupleOf, windowLength } from './args.js';

export interface PoolingArgs extends LayerArgs {
  /** The window, one size for every spatial axis or one per axis (default 2). */
  poolSize?: number | number[];
  /** The pool size by default (null too), as in Keras. */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

const POOLING_OPTIONS: nb.OptionSchema = {
  ...LAYER_OPTIONS,
  poolSize: nb.is.any,
  strides: nb.is.any,
  padding: nb.is.any,
  dataFormat: nb.is.any,
};

/**
 * Max or average pooling over windows of the spatial axes (Keras's BasePooling), per channel; no
 * weights. Average pooling with 'same' padding counts only the elements inside the input, as
 * TensorFlow does; max pooling never picks padding.
 */
export abstract class Pooling extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = POOLING_OPTIONS;

  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';

  protected constructor(
    readonly rank: number,
    private readonly kind: 'max' | 'avg',
    args: PoolingArgs,
  ) {
    super(args);
    this.poolSize = tupleOf(this.name, 'poolSize', args.poolSize ?? 2, rank);
    this.strides = args.strides == null ? [...this.poolSize] : tupleOf(this.name, 'strides', args.strides, rank);
    this.padding = paddingOf(this.name, args.padding, false) as 'valid' | 'same';
    checkDataFormat(this.name, args.dataFormat);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [spatial, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    const out = spatial.map((n, i) => windowLength(n, this.poolSize[i], this.strides[i], 1, this.padding));
    out.forEach((n, i) => {
      if (n !== null && n < 1) {
        throw new nb.NablaError(
          `${this.name}: spatial axis ${i} of size ${spatial[i]} is too small for poolSize ${this.poolSize[i]} with padding '${this.padding}'`,
        );
      }
    });
    return [...out, channels];
  }

  override build(inputShape: LayerShape): void {
    this.computeOutputShape(inputShape); // checks the input against the window
    super.build(inputShape);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const options = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.kind === 'max' ? nb.maxPool(x, options) : nb.avgPool(x, options);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** `new MaxPooling2D(poolSize, options)` as Keras, or `new MaxPooling2D({ poolSize, ... })` as TensorFlow.js. */
function poolArgs(owner: string, poolSize: unknown, args: PoolingArgs | undefined, extra: unknown[]): PoolingArgs {
  const [size, a] = primaryAndArgs<PoolingArgs>(owner, 'poolSize', poolSize, args, extra);
  return size === undefined ? a : { ...a, poolSize: size as number | number[] };
}

type PoolSize = number | number[] | PoolingArgs;

export class MaxPooling1D extends Pooling {
  override get className(): string {
    return 'MaxPooling1D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(1, 'max', poolArgs('MaxPooling1D', poolSize, args, extra));
  }
}

export class MaxPooling2D extends Pooling {
  override get className(): string {
    return 'MaxPooling2D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(2, 'max', poolArgs('MaxPooling2D', poolSize, args, extra));
  }
}

export class MaxPooling3D extends Pooling {
  override get className(): string {
    return 'MaxPooling3D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(3, 'max', poolArgs('MaxPooling3D', poolSize, args, extra));
  }
}

export class AveragePooling1D extends Pooling {
  override get className(): string {
    return 'AveragePooling1D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(1, 'avg', poolArgs('AveragePooling1D', poolSize, args, extra));
  }
}

export class AveragePooling2D extends Pooling {
  override get className(): string {
    return 'AveragePooling2D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(2, 'avg', poolArgs('AveragePooling2D', poolSize, args, extra));
  }
}

export class AveragePooling3D extends Pooling {
  override get className(): string {
    return 'AveragePooling3D';
  }
  constructor(poolSize?: PoolSize, args?: PoolingArgs, ...extra: unknown[]) {
    super(3, 'avg', poolArgs('AveragePooling3D', poolSize, args, extra));
  }
}
