import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';
import { channelsLast, checkRank, sizes } from './tuples.js';

export interface UpSampling1DArgs extends LayerArgs {
  /** How many times each step repeats (default 2). */
  size?: number;
}

export interface UpSampling2DArgs extends LayerArgs {
  /** The factors [rows, columns], or one for both (default [2, 2]). */
  size?: number | [number, number];
  /** Only 'channelsLast' (or Keras's 'channels_last'). */
  dataFormat?: string;
  /** 'nearest' (default) repeats pixels; 'bilinear' interpolates as Keras 3 (half-pixel centers). */
  interpolation?: 'nearest' | 'bilinear';
}

/** x with each entry along `axis` repeated `n` times in place ([a, b] -> [a, a, b, b]). */
function repeatEach(x: nb.Tensor, axis: number, n: number): nb.Tensor {
  if (n === 1) return x;
  const split = [...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)];
  const wide = [...x.shape.slice(0, axis + 1), n, ...x.shape.slice(axis + 1)];
  const out = [...x.shape];
  out[axis] *= n;
  return nb.reshape(nb.broadcastTo(nb.reshape(x, split), wide), out);
}

/** Repeats each step of a sequence `size` times: [batch, steps, features] -> [batch, steps * size, features] (Keras's UpSampling1D). */
export class UpSampling1D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, size: nb.is.any };
  override get className(): string {
    return 'UpSampling1D';
  }
  readonly size: number;

  /** `new UpSampling1D(size, options)` as Keras, or `new UpSampling1D({ size })` as TensorFlow.js; size 2 by default. */
  constructor(size?: number | UpSampling1DArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [s, rest] = primaryAndArgs<UpSampling1DArgs>('UpSampling1D', 'size', size, args, extra);
    super(rest);
    this.size = sizes(this.name, 'size', s ?? 2, 1, 1)[0];
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 2, '[batch, steps, features]');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0] === null ? null : inputShape[0] * this.size, ...inputShape.slice(1)];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return repeatEach(x, 1, this.size);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size };
  }
}

/**
 * The [out, n] matrix of Keras 3's bilinear resize along one axis (TensorFlow's half-pixel
 * centers): output i samples the input at (i + 0.5) / factor - 0.5, clamped to the ends.
 */
function bilinearMatrix(n: number, factor: number, dtype: nb.DType): nb.Tensor {
  const out = n * factor;
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const at = (i + 0.5) / factor - 0.5;
    const low = Math.floor(at);
    const frac = at - low;
    m[i * n + Math.min(Math.max(low, 0), n - 1)] += 1 - frac;
    m[i * n + Math.min(Math.max(low + 1, 0), n - 1)] += frac;
  }
  return nb.tensor(m, [out, n], dtype);
}

/**
 * Scales images up by integer factors: [batch, rows, cols, channels] -> [batch, rows * f0,
 * cols * f1, channels] (Keras's UpSampling2D), repeating pixels ('nearest') or interpolating
 * ('bilinear', as Keras 3 and TensorFlow's tf.image.resize; TensorFlow.js's layer samples
 * without half-pixel centers and gives other values).
 */
export class UpSampling2D extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    size: nb.is.any,
    dataFormat: nb.is.string,
    interpolation: nb.is.oneOf('nearest', 'bilinear'),
  };
  override get className(): string {
    return 'UpSampling2D';
  }
  readonly size: [number, number];
  readonly dataFormat: 'channelsLast';
  readonly interpolation: 'nearest' | 'bilinear';

  /** `new UpSampling2D(size, options)` as Keras, or `new UpSampling2D({ size })` as TensorFlow.js; size [2, 2] by default. */
  constructor(size?: number | [number, number] | UpSampling2DArgs, args?: Omit<UpSampling2DArgs, 'size'>, ...extra: unknown[]) {
    const [s, rest] = primaryAndArgs<UpSampling2DArgs>('UpSampling2D', 'size', size, args, extra);
    super(rest);
    this.size = sizes(this.name, 'size', s ?? 2, 2, 1) as [number, number];
    this.dataFormat = channelsLast(this.name, rest.dataFormat);
    this.interpolation = rest.interpolation ?? 'nearest';
  }

  override build(inputShape: LayerShape): void {
    checkRank(this.name, inputShape, 3, '[batch, rows, cols, channels]');
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [h, w, c] = inputShape;
    return [h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const [fh, fw] = this.size;
    if (this.interpolation === 'nearest') return repeatEach(repeatEach(x, 1, fh), 2, fw);
    // Bilinear is separable: one matmul with a constant interpolation matrix per axis.
    const [b, h, w, c] = x.shape;
    const f = nb.isFloat(x.dtype) ? x : nb.cast(x, 'float32');
    const rows = nb.matmul(bilinearMatrix(h, fh, f.dtype), nb.reshape(f, [b, h, w * c]));
    const cols = nb.matmul(bilinearMatrix(w, fw, f.dtype), nb.reshape(rows, [b * h * fh, w, c]));
    return nb.reshape(cols, [b, h * fh, w * fw, c]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

registerLayer('UpSampling1D', UpSampling1D);
registerLayer('UpSampling2D', UpSampling2D);
