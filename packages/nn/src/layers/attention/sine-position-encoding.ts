import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { registerLayer } from '../registry.js';

export interface SinePositionEncodingArgs extends LayerArgs {
  /** The longest wavelength of the sines and cosines (default 10000). */
  maxWavelength?: number;
}

/**
 * The fixed sinusoidal position encodings of "Attention is All You Need", as keras_nlp's
 * (keras_hub's) SinePositionEncoding: given [batch, time, features] (more axes may come before
 * time), returns sin(p * w_j) for position p and an even feature j, cos(p * w_j) for an odd one,
 * w_j = maxWavelength^(-2 floor(j/2) / features), broadcast to the input's shape, to be added to
 * the input. No weights; as in keras_hub it does not carry masks.
 */
export class SinePositionEncoding extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, maxWavelength: nb.is.positive };
  override get className(): string {
    return 'SinePositionEncoding';
  }
  readonly maxWavelength: number;

  constructor(args: SinePositionEncodingArgs = {}, ...extra: unknown[]) {
    nb.checkArity('SinePositionEncoding', [args, ...extra], 1);
    super(args);
    this.maxWavelength = args.maxWavelength ?? 10000;
  }

  override build(inputShape: LayerShape): void {
    if (inputShape.length < 2 || inputShape[inputShape.length - 1] === null) {
      throw new nb.NablaError(
        `${this.name}: expects [batch, ..., time, features] with known features, got [null,${inputShape.map((d) => d ?? 'null').join(',')}]`,
      );
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  /** The encodings are made on the host, in double precision, once per call: a constant of the graph. */
  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const [time, features] = x.shape.slice(-2);
    const table = new Float64Array(time * features);
    for (let j = 0; j < features; j++) {
      const rate = this.maxWavelength ** (-(2 * Math.floor(j / 2)) / features);
      for (let p = 0; p < time; p++) table[p * features + j] = j % 2 === 0 ? Math.sin(p * rate) : Math.cos(p * rate);
    }
    const dtype = nb.isFloat(x.dtype) ? x.dtype : 'float32';
    return nb.broadcastTo(nb.tensor(table, [time, features], dtype), x.shape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxWavelength: this.maxWavelength };
  }
}

registerLayer('SinePositionEncoding', SinePositionEncoding);
