import * as nb from '@nabla/core';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import type { Weight } from '../../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape, resolveInitializer } from '../layer.js';
import { registerLayer } from '../registry.js';
import { AFFINE_OPTIONS, Affine, type AffineArgs, featureAxes } from './affine.js';

export interface BatchNormalizationArgs extends LayerArgs, AffineArgs {
  /** The feature axis, counting the batch axis as 0 (default -1: channels-last). */
  axis?: number;
  /** How much of the moving statistics each training batch keeps (default 0.99). */
  momentum?: number;
  /** Added to the variance before its square root (default 1e-3). */
  epsilon?: number;
  movingMeanInitializer?: string | Initializer | SerializedInitializer;
  movingVarianceInitializer?: string | Initializer | SerializedInitializer;
}

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);

/** Keras's backend epsilon: keeps a fully masked batch's statistics finite (0 / (0 + eps)). */
const MASK_EPSILON = 1e-7;

/**
 * Normalizes each feature (the `axis`) to zero mean and unit variance, then scales by gamma and
 * shifts by beta, as Keras 3. While training (fit) it uses the batch's mean and population
 * variance over every other axis, and moves the moving statistics towards them:
 * moving = moving * momentum + batch * (1 - momentum), the variance biased as in Keras 3 and
 * TensorFlow.js (Keras 2 used the unbiased one). predict and evaluate use the moving statistics.
 * A frozen layer (`trainable = false`) runs in inference mode even in fit, as in Keras 3 (TF.js
 * keeps using batch statistics). A mask (Embedding's maskZero) leaves padded steps out of the
 * batch statistics and passes on.
 */
export class BatchNormalization extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    ...AFFINE_OPTIONS,
    axis: nb.is.integer,
    momentum: nb.is.between(0, 1),
    epsilon: nb.is.positive,
    movingMeanInitializer: nameOrObject,
    movingVarianceInitializer: nameOrObject,
  };
  override get className(): string {
    return 'BatchNormalization';
  }
  override supportsMasking = true;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  private readonly affine: Affine;
  private readonly movingMeanInitializer: Initializer;
  private readonly movingVarianceInitializer: Initializer;
  gamma?: Weight;
  beta?: Weight;
  movingMean?: Weight;
  movingVariance?: Weight;

  /** `new BatchNormalization({ axis, momentum, ... })`, as Keras's keyword arguments and TensorFlow.js's config. */
  constructor(args: BatchNormalizationArgs = {}, ...extra: unknown[]) {
    nb.checkArity('BatchNormalization', [args, ...extra], 1);
    super(args);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.affine = new Affine(args);
    this.movingMeanInitializer = resolveInitializer(args.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = resolveInitializer(args.movingVarianceInitializer, 'ones');
  }

  override build(inputShape: LayerShape): void {
    const [axis] = featureAxes(this.name, this.axis, inputShape.length);
    const dim = inputShape[axis - 1];
    if (dim === null)
      throw new nb.NablaError(
        `${this.name}: axis ${this.axis} of the input needs a known size, got [null,${inputShape.map((d) => d ?? 'null')}]`,
      );
    ({ gamma: this.gamma, beta: this.beta } = this.affine.addWeights(this, [dim]));
    this.movingMean = this.addWeight('movingMean', [dim], { initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight('movingVariance', [dim], { initializer: this.movingVarianceInitializer, trainable: false });
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override call(inputs: nb.Tensor, ctx: CallContext): nb.Tensor {
    const x = nb.isFloat(inputs.dtype) ? inputs : nb.cast(inputs, 'float32');
    const [axis] = featureAxes(this.name, this.axis, x.rank - 1);
    // Per-feature vectors [C] broadcast along the last axis; another axis needs ones around C.
    const shape = x.shape.map((d, i) => (i === axis ? d : 1));
    const fit = (v: nb.Tensor) => (axis === x.rank - 1 ? v : nb.reshape(v, shape));
    const movingMean = this.movingMean as Weight;
    const movingVariance = this.movingVariance as Weight;
    let mean = movingMean.value;
    let variance = movingVariance.value;
    if (ctx.training && this.trainable) {
      const reduced = x.shape.map((_, i) => i).filter((i) => i !== axis);
      ({ mean, variance } = batchMoments(this.name, x, reduced, ctx.mask as nb.Tensor | null | undefined));
      const move = (w: Weight, batch: nb.Tensor) =>
        w.assign(nb.cast(nb.add(nb.mul(w.value, this.momentum), nb.mul(batch, 1 - this.momentum)), w.dtype));
      move(movingMean, mean);
      move(movingVariance, variance);
    }
    return nb.batchNorm(
      x,
      fit(mean),
      fit(variance),
      this.beta ? fit(this.beta.value) : null,
      this.gamma ? fit(this.gamma.value) : null,
      this.epsilon,
    );
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      ...this.affine.config(),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
    };
  }
}

/**
 * The batch's per-feature mean and population variance over `axes`; with a mask ([batch, time]
 * for [batch, time, ...] inputs) only the unmasked positions count, as Keras 3's _moments.
 */
function batchMoments(layer: string, x: nb.Tensor, axes: number[], mask: nb.Tensor | null | undefined): nb.Moments {
  if (mask === null || mask === undefined) return nb.moments(x, axes);
  if (mask.rank !== x.rank - 1) {
    throw new nb.NablaError(
      `${layer}: the mask must have one dimension less than the inputs, got mask [${mask.shape}] for inputs [${x.shape}]`,
    );
  }
  const keep = nb.broadcastTo(nb.expandDims(mask, -1), x.shape);
  const count = nb.add(nb.sum(nb.cast(keep, x.dtype), axes), MASK_EPSILON);
  const mean = nb.div(nb.sum(nb.where(keep, x, 0), axes), count);
  const centered = nb.where(
    keep,
    nb.sub(
      x,
      nb.reshape(
        mean,
        x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      ),
    ),
    0,
  );
  return { mean, variance: nb.div(nb.sum(nb.square(centered), axes), count) };
}

registerLayer('BatchNormalization', BatchNormalization);
