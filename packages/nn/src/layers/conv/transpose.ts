import * as nb from '@nabla/core';
import type { Weight } from '../../weight.js';
import { type CallContext, Layer, type LayerShape } from '../layer.js';
import { WeightSpec } from '../weight-spec.js';
import { filtersAndKernel, spatialAndChannels } from './args.js';
import { type ConvArgs, WINDOW_OPTIONS, Window } from './conv.js';

export interface ConvTransposeArgs extends Omit<ConvArgs, 'groups' | 'padding'> {
  padding?: 'valid' | 'same';
  /** Extra rows and columns on the output's far side, each below its stride; null (the default) for Keras's inferred size. */
  outputPadding?: number | number[] | null;
}

const TRANSPOSE_OPTIONS: nb.OptionSchema = {
  ...WINDOW_OPTIONS,
  filters: nb.is.any,
  outputPadding: nb.is.any,
  ...WeightSpec.schema('kernel'),
};

/**
 * Transposed convolution (Keras's BaseConvTranspose): kernel [...kernelSize, filters, channels]
 * (Keras's layout) and bias [filters]; the output size is Keras's (deconv_output_length).
 */
export abstract class ConvTranspose extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = TRANSPOSE_OPTIONS;

  readonly filters: number;
  readonly outputPadding: number[] | null;
  readonly window: Window;
  private readonly kernelSpec: WeightSpec;
  kernel?: Weight;
  bias?: Weight;

  protected constructor(
    readonly rank: number,
    args: ConvTransposeArgs,
  ) {
    super(args);
    const { filters } = args;
    if (typeof filters !== 'number' || !Number.isInteger(filters) || filters <= 0) {
      throw new nb.NablaError(`${this.name}: filters must be a positive integer, got ${nb.describe(filters)}`);
    }
    this.filters = filters;
    this.window = new Window(this.name, rank, args);
    this.outputPadding = args.outputPadding == null ? null : this.readOutputPadding(args.outputPadding);
    this.kernelSpec = WeightSpec.read(args, 'kernel', 'glorotUniform');
  }

  private readOutputPadding(value: unknown): number[] {
    const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const list = ok(value) ? new Array<number>(this.rank).fill(value as number) : value;
    if (!Array.isArray(list) || list.length !== this.rank || !list.every(ok)) {
      throw new nb.NablaError(
        `${this.name}: outputPadding must be a non-negative integer or a list of ${this.rank}, got ${nb.describe(value)}`,
      );
    }
    list.forEach((p: number, i) => {
      if (p >= this.window.strides[i]) {
        throw new nb.NablaError(
          `${this.name}: outputPadding ${p} must be smaller than the stride ${this.window.strides[i]} (spatial axis ${i})`,
        );
      }
    });
    return list as number[];
  }

  override build(inputShape: LayerShape): void {
    const [, channels] = spatialAndChannels(this.name, inputShape, this.rank);
    this.kernel = this.addWeight('kernel', [...this.window.kernelSize, this.filters, channels], this.kernelSpec.options);
    if (this.window.useBias) this.bias = this.addWeight('bias', [this.filters], this.window.bias.options);
    super.build(inputShape);
  }

  /** Keras's deconv_output_length per axis; null stays null. */
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [spatial] = spatialAndChannels(this.name, inputShape, this.rank);
    const { kernelSize, strides, dilationRate, padding } = this.window;
    const out = spatial.map((n, i) => {
      if (n === null) return null;
      const span = (kernelSize[i] - 1) * dilationRate[i] + 1;
      const s = strides[i];
      if (this.outputPadding === null) return padding === 'valid' ? n * s + Math.max(span - s, 0) : n * s;
      return (n - 1) * s + span - (padding === 'same' ? 2 * Math.floor(span / 2) : 0) + this.outputPadding[i];
    });
    return [...out, this.filters];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const { strides, padding, dilationRate } = this.window;
    const y = nb.convTranspose(x, (this.kernel as Weight).value, {
      strides,
      padding: padding as 'valid' | 'same',
      dilations: dilationRate,
      outputPadding: this.outputPadding,
    });
    return this.window.finish(y, this.bias);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      outputPadding: this.outputPadding,
      ...this.window.config(),
      ...this.kernelSpec.config(),
    };
  }
}

/** 1-D transposed convolution; `new Conv1DTranspose(filters, kernelSize, options)` or one options object. */
export class Conv1DTranspose extends ConvTranspose {
  override get className(): string {
    return 'Conv1DTranspose';
  }
  constructor(
    filters: number | ConvTransposeArgs,
    kernelSize?: number | number[] | ConvTransposeArgs,
    args?: ConvTransposeArgs,
    ...extra: unknown[]
  ) {
    super(1, filtersAndKernel<ConvTransposeArgs>('Conv1DTranspose', filters, kernelSize, args, extra));
  }
}

/** 2-D transposed convolution (upsampling by the strides); the same constructor forms. */
export class Conv2DTranspose extends ConvTranspose {
  override get className(): string {
    return 'Conv2DTranspose';
  }
  constructor(
    filters: number | ConvTransposeArgs,
    kernelSize?: number | number[] | ConvTransposeArgs,
    args?: ConvTransposeArgs,
    ...extra: unknown[]
  ) {
    super(2, filtersAndKernel<ConvTransposeArgs>('Conv2DTranspose', filters, kernelSize, args, extra));
  }
}

/** 3-D transposed convolution; the same constructor forms. */
export class Conv3DTranspose extends ConvTranspose {
  override get className(): string {
    return 'Conv3DTranspose';
  }
  constructor(
    filters: number | ConvTransposeArgs,
    kernelSize?: number | number[] | ConvTransposeArgs,
    args?: ConvTransposeArgs,
    ...extra: unknown[]
  ) {
    super(3, filtersAndKernel<ConvTransposeArgs>('Conv3DTranspose', filters, kernelSize, args, extra));
  }
}
