import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../../activations.js';
import type { Constraint, SerializedConstraint } from '../../constraints.js';
import type { Initializer, SerializedInitializer } from '../../initializers.js';
import type { Regularizer, SerializedRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { WeightSpec } from '../weight-spec.js';
import {
  type ConvPadding,
  checkDataFormat,
  checkStridesOrDilation,
  corePadding,
  filtersAndKernel,
  paddingOf,
  spatialAndChannels,
  tupleOf,
  windowLength,
} from './args.js';

/** The options of the convolution layers (Keras 3's, camelCased). */
export interface ConvArgs extends LayerArgs {
  /** The number of output channels (when the options are the only argument, TensorFlow.js's form). */
  filters?: number;
  /** The window, one size for every spatial axis or one per axis. */
  kernelSize?: number | number[];
  strides?: number | number[];
  /** 'valid' (the default), 'same', or for Conv1D 'causal'. */
  padding?: ConvPadding;
  /** 'channelsLast' is the only layout. */
  dataFormat?: 'channelsLast';
  dilationRate?: number | number[];
  /** Channels split into this many groups, each convolved on its own (default 1). */
  groups?: number;
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: string | Initializer | SerializedInitializer;
  biasInitializer?: string | Initializer | SerializedInitializer;
  kernelRegularizer?: string | Regularizer | SerializedRegularizer;
  biasRegularizer?: string | Regularizer | SerializedRegularizer;
  kernelConstraint?: string | Constraint | SerializedConstraint;
  biasConstraint?: string | Constraint | SerializedConstraint;
}

/** The options every convolution layer takes (the Keras base layer's, before each adds its own). */
export const WINDOW_OPTIONS: nb.OptionSchema = {
  ...LAYER_OPTIONS,
  kernelSize: nb.is.any,
  strides: nb.is.any,
  padding: nb.is.any,
  dataFormat: nb.is.any,
  dilationRate: nb.is.any,
  activation: nb.is.either(nb.is.string, nb.is.function),
  useBias: nb.is.boolean,
  ...WeightSpec.schema('bias'),
};

const CONV_OPTIONS: nb.OptionSchema = { ...WINDOW_OPTIONS, filters: nb.is.any, groups: nb.is.any, ...WeightSpec.schema('kernel') };

/** What every convolution layer reads the same way: window, strides, padding, dilation, activation, bias. */
export class Window {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dilationRate: number[];
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  readonly bias: WeightSpec;

  /** `causal`: whether padding may be 'causal' (Conv1D's alone, as in Keras). */
  constructor(owner: string, rank: number, args: ConvArgs, causal = false) {
    if (args.kernelSize === undefined) throw new nb.NablaError(`${owner}: kernelSize is required`);
    this.kernelSize = tupleOf(owner, 'kernelSize', args.kernelSize, rank);
    this.strides = tupleOf(owner, 'strides', args.strides ?? 1, rank);
    this.padding = paddingOf(owner, args.padding, causal);
    this.dilationRate = tupleOf(owner, 'dilationRate', args.dilationRate ?? 1, rank);
    checkStridesOrDilation(owner, this.strides, this.dilationRate);
    checkDataFormat(owner, args.dataFormat);
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.bias = WeightSpec.read(args, 'bias', 'zeros');
  }

  /** The output's spatial sizes; an input too small for the window is an error naming the layer. */
  outputSpatial(owner: string, spatial: (number | null)[]): (number | null)[] {
    const out = spatial.map((n, i) => windowLength(n, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding));
    out.forEach((n, i) => {
      if (n !== null && n < 1) {
        throw new nb.NablaError(
          `${owner}: spatial axis ${i} of size ${spatial[i]} is too small for kernelSize ${this.kernelSize[i]} with dilationRate ${this.dilationRate[i]} and padding '${this.padding}'`,
        );
      }
    });
    return out;
  }

  /** What nb.conv takes. */
  get convOptions(): nb.ConvOptions {
    return { strides: this.strides, padding: corePadding(this.padding, this.kernelSize, this.dilationRate), dilations: this.dilationRate };
  }

  /** Bias, then activation. */
  finish(y: nb.Tensor, bias: Weight | undefined): nb.Tensor {
    return this.activation.fn(bias ? nb.add(y, bias.value) : y);
  }

  config(): Record<string, unknown> {
    return {
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation.name,
      useBias: this.useBias,
      ...this.bias.config(),
    };
  }
}

/**
 * N-D convolution (Keras's BaseConv): activation(conv(x, kernel) + bias) with kernel
 * [...kernelSize, channels / groups, filters] and bias [filters], over samples [...spatial, channels].
 */
export abstract class Conv extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = CONV_OPTIONS;

  readonly filters: number;
  readonly groups: number;
  readonly window: Window;
  private readonly kernelSpec: WeightSpec;
  kernel?: Weight;
  bias?: Weight;

  protected constructor(
    readonly rank: number,
    args: ConvArgs,
  ) {
    super(args);
    const { filters, groups = 1 } = args;
    if (typeof filters !== 'number' || !Number.isInteger(filters) || filters <= 0) {
      throw new nb.NablaError(`${this.name}: filters must be a positive integer, got ${nb.describe(filters)}`);
    }
    if (typeof groups !== 'number' || !Number.isInteger(groups) || groups <= 0 || filters % groups !== 0) {
      throw new nb.NablaError(`${this.name}: groups must be a positive integer dividing filters ${filters}, got ${nb.describe(groups)}`);
    }
    this.filters = filters;
    this.groups = groups;
    this.window = new Window(this.name, rank, args, rank === 1);
    this.kernelSpec = WeightSpec.read(args, 'kernel', 'glorotUniform');
  }

  override build(inputShape: LayerShape): void {
    const [spatial, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    if (channels % this.groups !== 0) {
      throw new nb.NablaError(`${this.name}: groups ${this.groups} must divide the input channels ${channels}`);
    }
    this.window.outputSpatial(this.name, spatial);
    this.kernel = this.addWeight('kernel', [...this.window.kernelSize, channels / this.groups, this.filters], this.kernelSpec.options);
    if (this.window.useBias) this.bias = this.addWeight('bias', [this.filters], this.window.bias.options);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [spatial] = spatialAndChannels(this.name, inputShape, this.rank);
    return [...this.window.outputSpatial(this.name, spatial), this.filters];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const y = nb.conv(x, (this.kernel as Weight).value, { ...this.window.convOptions, groups: this.groups });
    return this.window.finish(y, this.bias);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, groups: this.groups, ...this.window.config(), ...this.kernelSpec.config() };
  }
}

/**
 * 1-D convolution over [steps, channels] samples. `new Conv1D(filters, kernelSize, options)` as
 * Keras, or `new Conv1D({ filters, kernelSize, ... })` as TensorFlow.js; padding 'causal' pads
 * only before each sequence.
 */
export class Conv1D extends Conv {
  override get className(): string {
    return 'Conv1D';
  }
  constructor(filters: number | ConvArgs, kernelSize?: number | number[] | ConvArgs, args?: ConvArgs, ...extra: unknown[]) {
    super(1, filtersAndKernel<ConvArgs>('Conv1D', filters, kernelSize, args, extra));
  }
}

/** 2-D convolution over [rows, cols, channels] samples; the same constructor forms as Conv1D. */
export class Conv2D extends Conv {
  override get className(): string {
    return 'Conv2D';
  }
  constructor(filters: number | ConvArgs, kernelSize?: number | number[] | ConvArgs, args?: ConvArgs, ...extra: unknown[]) {
    super(2, filtersAndKernel<ConvArgs>('Conv2D', filters, kernelSize, args, extra));
  }
}

/** 3-D convolution over [d1, d2, d3, channels] samples; the same constructor forms as Conv1D. */
export class Conv3D extends Conv {
  override get className(): string {
    return 'Conv3D';
  }
  constructor(filters: number | ConvArgs, kernelSize?: number | number[] | ConvArgs, args?: ConvArgs, ...extra: unknown[]) {
    super(3, filtersAndKernel<ConvArgs>('Conv3D', filters, kernelSize, args, extra));
  }
}
