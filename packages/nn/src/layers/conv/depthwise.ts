import * as nb from '@nabla/core';
import type { Constraint, SerializedConstraint } from '../../constraints.js';
import type { Initializer, SerializedInitializer } from '../../initializers.js';
import type { Regularizer, SerializedRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import { type CallContext, Layer, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { WeightSpec } from '../weight-spec.js';
import { filtersAndKernel, spatialAndChannels } from './args.js';
import { type ConvArgs, WINDOW_OPTIONS, Window } from './conv.js';

export interface DepthwiseConvArgs
  extends Omit<ConvArgs, 'filters' | 'groups' | 'padding' | `kernel${'Initializer' | 'Regularizer' | 'Constraint'}`> {
  padding?: 'valid' | 'same';
  /** Output channels per input channel (default 1). */
  depthMultiplier?: number;
  depthwiseInitializer?: string | Initializer | SerializedInitializer;
  depthwiseRegularizer?: string | Regularizer | SerializedRegularizer;
  depthwiseConstraint?: string | Constraint | SerializedConstraint;
}

export interface SeparableConvArgs extends DepthwiseConvArgs {
  filters?: number;
  pointwiseInitializer?: string | Initializer | SerializedInitializer;
  pointwiseRegularizer?: string | Regularizer | SerializedRegularizer;
  pointwiseConstraint?: string | Constraint | SerializedConstraint;
}

const DEPTHWISE_OPTIONS: nb.OptionSchema = { ...WINDOW_OPTIONS, depthMultiplier: nb.is.any, ...WeightSpec.schema('depthwise') };
const SEPARABLE_OPTIONS: nb.OptionSchema = { ...DEPTHWISE_OPTIONS, filters: nb.is.any, ...WeightSpec.schema('pointwise') };

function multiplierOf(owner: string, value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new nb.NablaError(`${owner}: depthMultiplier must be a positive integer, got ${nb.describe(value)}`);
  }
  return value;
}

/** The depthwise step: each channel convolved with its own depthMultiplier filters (a grouped conv, a group per channel). */
function depthwise(x: nb.Tensor, kernel: nb.Tensor, window: Window): nb.Tensor {
  const [cin, multiplier] = kernel.shape.slice(-2);
  const grouped = nb.reshape(kernel, [...kernel.shape.slice(0, -2), 1, cin * multiplier]);
  return nb.conv(x, grouped, { ...window.convOptions, groups: cin });
}

/**
 * Depthwise convolution (Keras's BaseDepthwiseConv): kernel [...kernelSize, channels,
 * depthMultiplier] (named 'kernel', as Keras 3 names it) and bias [channels * depthMultiplier];
 * output channel c * depthMultiplier + m reads input channel c alone.
 */
export abstract class DepthwiseConv extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = DEPTHWISE_OPTIONS;

  readonly depthMultiplier: number;
  readonly window: Window;
  private readonly depthwiseSpec: WeightSpec;
  kernel?: Weight;
  bias?: Weight;

  protected constructor(
    readonly rank: number,
    args: DepthwiseConvArgs,
  ) {
    super(args);
    this.depthMultiplier = multiplierOf(this.name, args.depthMultiplier);
    this.window = new Window(this.name, rank, args);
    this.depthwiseSpec = WeightSpec.read(args, 'depthwise', 'glorotUniform');
  }

  override build(inputShape: LayerShape): void {
    const [spatial, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    this.window.outputSpatial(this.name, spatial);
    this.kernel = this.addWeight('kernel', [...this.window.kernelSize, channels, this.depthMultiplier], this.depthwiseSpec.options);
    if (this.window.useBias) this.bias = this.addWeight('bias', [channels * this.depthMultiplier], this.window.bias.options);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [spatial, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    return [...this.window.outputSpatial(this.name, spatial), channels * this.depthMultiplier];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return this.window.finish(depthwise(x, (this.kernel as Weight).value, this.window), this.bias);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, ...this.window.config(), ...this.depthwiseSpec.config() };
  }
}

/** 1-D depthwise convolution; `new DepthwiseConv1D(kernelSize, options)` as Keras, or one options object. */
export class DepthwiseConv1D extends DepthwiseConv {
  override get className(): string {
    return 'DepthwiseConv1D';
  }
  constructor(kernelSize: number | number[] | DepthwiseConvArgs, args?: DepthwiseConvArgs, ...extra: unknown[]) {
    const [k, a] = primaryAndArgs<DepthwiseConvArgs>('DepthwiseConv1D', 'kernelSize', kernelSize, args, extra);
    super(1, { ...a, kernelSize: k as number | number[] });
  }
}

/** 2-D depthwise convolution; `new DepthwiseConv2D(kernelSize, options)` as Keras, or one options object. */
export class DepthwiseConv2D extends DepthwiseConv {
  override get className(): string {
    return 'DepthwiseConv2D';
  }
  constructor(kernelSize: number | number[] | DepthwiseConvArgs, args?: DepthwiseConvArgs, ...extra: unknown[]) {
    const [k, a] = primaryAndArgs<DepthwiseConvArgs>('DepthwiseConv2D', 'kernelSize', kernelSize, args, extra);
    super(2, { ...a, kernelSize: k as number | number[] });
  }
}

/**
 * Depthwise then pointwise convolution (Keras's BaseSeparableConv): weights depthwise_kernel
 * [...kernelSize, channels, depthMultiplier], pointwise_kernel [1, ..., 1, channels *
 * depthMultiplier, filters] and bias [filters], in that order. Strides and dilation apply to the
 * depthwise step; the pointwise step is a 1x1 convolution.
 */
export abstract class SeparableConv extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = SEPARABLE_OPTIONS;

  readonly filters: number;
  readonly depthMultiplier: number;
  readonly window: Window;
  private readonly depthwiseSpec: WeightSpec;
  private readonly pointwiseSpec: WeightSpec;
  depthwiseKernel?: Weight;
  pointwiseKernel?: Weight;
  bias?: Weight;

  protected constructor(
    readonly rank: number,
    args: SeparableConvArgs,
  ) {
    super(args);
    const { filters } = args;
    if (typeof filters !== 'number' || !Number.isInteger(filters) || filters <= 0) {
      throw new nb.NablaError(`${this.name}: filters must be a positive integer, got ${nb.describe(filters)}`);
    }
    this.filters = filters;
    this.depthMultiplier = multiplierOf(this.name, args.depthMultiplier);
    this.window = new Window(this.name, rank, args);
    this.depthwiseSpec = WeightSpec.read(args, 'depthwise', 'glorotUniform');
    this.pointwiseSpec = WeightSpec.read(args, 'pointwise', 'glorotUniform');
  }

  override build(inputShape: LayerShape): void {
    const [spatial, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    this.window.outputSpatial(this.name, spatial);
    const mid = channels * this.depthMultiplier;
    this.depthwiseKernel = this.addWeight(
      'depthwise_kernel',
      [...this.window.kernelSize, channels, this.depthMultiplier],
      this.depthwiseSpec.options,
    );
    this.pointwiseKernel = this.addWeight(
      'pointwise_kernel',
      [...new Array(this.rank).fill(1), mid, this.filters],
      this.pointwiseSpec.options,
    );
    if (this.window.useBias) this.bias = this.addWeight('bias', [this.filters], this.window.bias.options);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [spatial] = spatialAndChannels(this.name, inputShape, this.rank);
    return [...this.window.outputSpatial(this.name, spatial), this.filters];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const d = depthwise(x, (this.depthwiseKernel as Weight).value, this.window);
    return this.window.finish(nb.conv(d, (this.pointwiseKernel as Weight).value), this.bias);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      depthMultiplier: this.depthMultiplier,
      ...this.window.config(),
      ...this.depthwiseSpec.config(),
      ...this.pointwiseSpec.config(),
    };
  }
}

/** 1-D separable convolution; `new SeparableConv1D(filters, kernelSize, options)` as Keras, or one options object. */
export class SeparableConv1D extends SeparableConv {
  override get className(): string {
    return 'SeparableConv1D';
  }
  constructor(
    filters: number | SeparableConvArgs,
    kernelSize?: number | number[] | SeparableConvArgs,
    args?: SeparableConvArgs,
    ...extra: unknown[]
  ) {
    super(1, filtersAndKernel<SeparableConvArgs>('SeparableConv1D', filters, kernelSize, args, extra));
  }
}

/** 2-D separable convolution; `new SeparableConv2D(filters, kernelSize, options)` as Keras, or one options object. */
export class SeparableConv2D extends SeparableConv {
  override get className(): string {
    return 'SeparableConv2D';
  }
  constructor(
    filters: number | SeparableConvArgs,
    kernelSize?: number | number[] | SeparableConvArgs,
    args?: SeparableConvArgs,
    ...extra: unknown[]
  ) {
    super(2, filtersAndKernel<SeparableConvArgs>('SeparableConv2D', filters, kernelSize, args, extra));
  }
}
