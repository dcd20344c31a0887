import * as nb from '@nabla/core';
import type { Weight } from '../../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { AFFINE_OPTIONS, Affine, type AffineArgs, featureAxes } from './affine.js';

export interface LayerNormalizationArgs extends LayerArgs, AffineArgs {
  /** The axis or axes to normalize over, counting the batch axis as 0 (default -1, the last). */
  axis?: number | number[];
  /** Added to the variance before its square root (default 1e-3). */
  epsilon?: number;
  /** Keras's deprecated RMS scaling (it scales by the variance): only false is accepted. */
  rmsScaling?: boolean;
}

/**
 * Normalizes each sample over `axis` (the features) to zero mean and unit variance, then scales
 * by gamma and shifts by beta (of the normalized axes' shape), as Keras 3. The same in training
 * and inference; a mask passes through.
 */
export class LayerNormalization extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    ...AFFINE_OPTIONS,
    axis: nb.is.axis,
    epsilon: nb.is.positive,
    rmsScaling: nb.is.boolean,
  };
  override get className(): string {
    return 'LayerNormalization';
  }
  override supportsMasking = true;
  readonly axis: number | number[];
  readonly epsilon: number;
  private readonly affine: Affine;
  gamma?: Weight;
  beta?: Weight;

  /** `new LayerNormalization({ axis, epsilon, ... })`, as Keras's keyword arguments and TensorFlow.js's config. */
  constructor(args: LayerNormalizationArgs = {}, ...extra: unknown[]) {
    nb.checkArity('LayerNormalization', [args, ...extra], 1);
    super(args);
    if (args.rmsScaling === true) {
      throw new nb.NablaError(
        `${this.name}: rmsScaling true is not supported (Keras 3 deprecates it: it scales by the variance, not the root mean square)`,
      );
    }
    this.axis = Array.isArray(args.axis) ? [...args.axis] : (args.axis ?? -1);
    this.epsilon = args.epsilon ?? 1e-3;
    this.affine = new Affine(args);
  }

  override build(inputShape: LayerShape): void {
    const dims = featureAxes(this.name, this.axis, inputShape.length).map((a) => inputShape[a - 1]);
    if (dims.includes(null)) {
      throw new nb.NablaError(
        `${this.name}: the normalized axes need known sizes, got input shape [null,${inputShape.map((d) => d ?? 'null')}]`,
      );
    }
    ({ gamma: this.gamma, beta: this.beta } = this.affine.addWeights(this, dims as number[]));
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const axes = featureAxes(this.name, this.axis, x.rank - 1);
    const { mean, variance } = nb.moments(x, axes, true);
    // gamma and beta have the normalized axes' shape: ones elsewhere let them broadcast.
    const shape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const fit = (w: Weight | undefined) => (w ? nb.reshape(w.value, shape) : null);
    return nb.batchNorm(x, mean, variance, fit(this.beta), fit(this.gamma), this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, ...this.affine.config() };
  }
}

registerLayer('LayerNormalization', LayerNormalization);
