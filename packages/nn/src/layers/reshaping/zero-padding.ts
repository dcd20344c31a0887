import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';
import { channelsLast, checkRank, type Pair, sidePairs } from './tuples.js';

export interface ZeroPadding1DArgs extends LayerArgs {
  /** Zeros before and after the steps: n for both, or [before, after] (default 1). */
  padding?: number | Pair;
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /** n for every side, [rows, cols] for both sides of each, or [[top, bottom], [left, right]] (default 1). */
  padding?: number | Pair | [Pair, Pair];
  /** Only 'channelsLast' (or Keras's 'channels_last'). */
  dataFormat?: string;
}

/** Pads the spatial axes 1..k of x with zeros (batch and channels untouched). */
function padSpatial(x: nb.Tensor, pads: Pair[]): nb.Tensor {
  return nb.pad(x, [[0, 0], ...pads, [0, 0]]);
}

function paddedShape(inputShape: LayerShape, pads: Pair[]): LayerShape {
  return inputShape.map((d, i) => (i < pads.length && d !== null ? d + pads[i][0] + pads[i][1] : d));
}

/** Adds zeros before and after the steps of a sequence [batch, steps, features] (Keras's ZeroPadding1D). */
export class ZeroPadding1D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, padding: nb.is.any };
  override get className(): string {
    return 'ZeroPadding1D';
  }
  readonly padding: Pair;

  /** `new ZeroPadding1D(padding, options)` as Keras, or `new ZeroPadding1D({ padding })` as TensorFlow.js; padding 1 by default. */
  constructor(padding?: number | Pair | ZeroPadding1DArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [p, rest] = primaryAndArgs<ZeroPadding1DArgs>('ZeroPadding1D', 'padding', padding, args, extra);
    super(rest);
    this.padding = sidePairs(this.name, 'padding', p ?? 1, 1)[0];
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 2, '[batch, steps, features]');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return paddedShape(inputShape, [this.padding]);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return padSpatial(x, [this.padding]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding };
  }
}

/** Adds rows and columns of zeros around images [batch, rows, cols, channels] (Keras's ZeroPadding2D). */
export class ZeroPadding2D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, padding: nb.is.any, dataFormat: nb.is.string };
  override get className(): string {
    return 'ZeroPadding2D';
  }
  readonly padding: [Pair, Pair];
  readonly dataFormat: 'channelsLast';

  /** `new ZeroPadding2D(padding, options)` as Keras, or `new ZeroPadding2D({ padding })` as TensorFlow.js; padding 1 by default. */
  constructor(padding?: number | Pair | [Pair, Pair] | ZeroPadding2DArgs, args?: Omit<ZeroPadding2DArgs, 'padding'>, ...extra: unknown[]) {
    const [p, rest] = primaryAndArgs<ZeroPadding2DArgs>('ZeroPadding2D', 'padding', padding, args, extra);
    super(rest);
    this.padding = sidePairs(this.name, 'padding', p ?? 1, 2) as [Pair, Pair];
    this.dataFormat = channelsLast(this.name, rest.dataFormat);
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 3, '[batch, rows, cols, channels]');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return paddedShape(inputShape, this.padding);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return padSpatial(x, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

registerLayer('ZeroPadding1D', ZeroPadding1D);
registerLayer('ZeroPadding2D', ZeroPadding2D);
