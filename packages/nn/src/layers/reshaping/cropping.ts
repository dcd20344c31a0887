import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';
import { channelsLast, checkRank, type Pair, sidePairs } from './tuples.js';

export interface Cropping1DArgs extends LayerArgs {
  /** Steps cut from the start and the end: n for both, or [start, end] (default [1, 1]). */
  cropping?: number | Pair;
}

export interface Cropping2DArgs extends LayerArgs {
  /** n from every side, [rows, cols] from both sides of each, or [[top, bottom], [left, right]] (default 0). */
  cropping?: number | Pair | [Pair, Pair];
  /** Only 'channelsLast' (or Keras's 'channels_last'). */
  dataFormat?: string;
}

/** The cropped sizes; a crop that leaves nothing is an error, as in Keras. */
function croppedShape(layer: string, inputShape: LayerShape, crops: Pair[]): LayerShape {
  return inputShape.map((d, i) => {
    if (i >= crops.length || d === null) return d;
    const left = d - crops[i][0] - crops[i][1];
    if (left <= 0) {
      throw new nb.NablaError(
        `${layer}: cropping [${crops[i]}] leaves nothing of axis ${i + 1} of size ${d} (input [null,${inputShape.map((s) => s ?? 'null')}])`,
      );
    }
    return left;
  });
}

function cropSpatial(layer: string, x: nb.Tensor, crops: Pair[]): nb.Tensor {
  croppedShape(layer, x.shape.slice(1), crops); // sizes unknown at build time are checked here
  const begin = [0, ...crops.map((c) => c[0]), 0];
  const size = [-1, ...crops.map((c, i) => x.shape[i + 1] - c[0] - c[1]), -1];
  return nb.slice(x, begin, size);
}

/** Cuts steps from the start and end of a sequence [batch, steps, features] (Keras's Cropping1D). */
export class Cropping1D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, cropping: nb.is.any };
  override get className(): string {
    return 'Cropping1D';
  }
  readonly cropping: Pair;

  /** `new Cropping1D(cropping, options)` as Keras, or `new Cropping1D({ cropping })` as TensorFlow.js; [1, 1] by default. */
  constructor(cropping?: number | Pair | Cropping1DArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [c, rest] = primaryAndArgs<Cropping1DArgs>('Cropping1D', 'cropping', cropping, args, extra);
    super(rest);
    this.cropping = sidePairs(this.name, 'cropping', c ?? 1, 1)[0];
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 2, '[batch, steps, features]');
    croppedShape(this.name, inputShape, [this.cropping]);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return croppedShape(this.name, inputShape, [this.cropping]);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return cropSpatial(this.name, x, [this.cropping]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

/** Cuts rows and columns from the edges of images [batch, rows, cols, channels] (Keras's Cropping2D). */
export class Cropping2D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, cropping: nb.is.any, dataFormat: nb.is.string };
  override get className(): string {
    return 'Cropping2D';
  }
  readonly cropping: [Pair, Pair];
  readonly dataFormat: 'channelsLast';

  /** `new Cropping2D(cropping, options)` as Keras, or `new Cropping2D({ cropping })` as TensorFlow.js; 0 by default. */
  constructor(cropping?: number | Pair | [Pair, Pair] | Cropping2DArgs, args?: Omit<Cropping2DArgs, 'cropping'>, ...extra: unknown[]) {
    const [c, rest] = primaryAndArgs<Cropping2DArgs>('Cropping2D', 'cropping', cropping, args, extra);
    super(rest);
    this.cropping = sidePairs(this.name, 'cropping', c ?? 0, 2) as [Pair, Pair];
    this.dataFormat = channelsLast(this.name, rest.dataFormat);
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 3, '[batch, rows, cols, channels]');
    croppedShape(this.name, inputShape, this.cropping);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return croppedShape(this.name, inputShape, this.cropping);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return cropSpatial(this.name, x, this.cropping);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat };
  }
}

registerLayer('Cropping1D', Cropping1D);
registerLayer('Cropping2D', Cropping2D);
