import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../../activations.js';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import { Dense } from '../dense.js';
import { Dropout } from '../dropout.js';
import {
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Masks,
  resolveInitializer,
  type Shapes,
  shapeList,
  type Tensors,
} from '../layer.js';
import { LayerNormalization } from '../normalization/layer-normalization.js';
import { registerLayer } from '../registry.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { twoPrimaries } from './primaries.js';

export interface TransformerEncoderArgs extends LayerArgs {
  /** The feed-forward network's hidden size, when the options are the only argument. */
  intermediateDim?: number;
  /** The attention's number of heads (each of size features / numHeads), when the options are the only argument. */
  numHeads?: number;
  /** The dropout rate of the attention probabilities, the attention output and the feed-forward output (default 0). */
  dropout?: number;
  /** The feed-forward network's activation (default 'relu'). */
  activation?: string | ActivationFn;
  /** The layer normalizations' epsilon (default 1e-5). */
  layerNormEpsilon?: number;
  /** For the attention's and the feed-forward network's kernels (default 'glorotUniform'). */
  kernelInitializer?: string | Initializer | SerializedInitializer;
  /** For their biases (default 'zeros'). */
  biasInitializer?: string | Initializer | SerializedInitializer;
  /** Normalize the inputs of the attention and the feed-forward network (GPT-2) instead of their outputs (BERT; default false). */
  normalizeFirst?: boolean;
  /** Each position attends only to itself and earlier ones (a decoder-only model; default false). nabla's addition. */
  useCausalMask?: boolean;
}

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);

/**
 * One Transformer encoder block, as keras_nlp's (keras_hub's) TransformerEncoder, taking
 * [batch, time, features] and returning the same shape. Post-norm by default:
 *
 *     x = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))
 *     x = LayerNorm(x + Dropout(Dense(features)(Dense(intermediateDim, activation)(x))))
 *
 * (normalizeFirst: x + Dropout(attention(LayerNorm(x))), then likewise). Heads have size
 * features / numHeads (rounded down). A padding mask from the layer before (Embedding maskZero)
 * keeps every position from attending to padded ones, as keras_hub merges it (padded positions
 * are still computed, and the mask passes on); `useCausalMask` adds a causal mask. Called on a
 * list [x, attentionMask], attentionMask [batch, time, time] true (or non-zero) where a position
 * may attend to another (keras_hub's call argument attention_mask), and-ed with the others.
 *
 * Its sublayers' weights are its own, named after it in keras_hub's order:
 * `${name}/selfAttentionLayer/queryKernel` ... `outputBias`, `${name}/selfAttentionLayerNorm/gamma`,
 * `beta`, `${name}/feedforwardLayerNorm/gamma`, `beta`, `${name}/feedforwardIntermediateDense/kernel`,
 * `bias`, `${name}/feedforwardOutputDense/kernel`, `bias`.
 */
export class TransformerEncoder extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    intermediateDim: nb.is.any,
    numHeads: nb.is.any,
    dropout: nb.is.any,
    activation: nb.is.either(nb.is.string, nb.is.function),
    layerNormEpsilon: nb.is.positive,
    kernelInitializer: nameOrObject,
    biasInitializer: nameOrObject,
    normalizeFirst: nb.is.boolean,
    useCausalMask: nb.is.boolean,
  };
  override get className(): string {
    return 'TransformerEncoder';
  }
  readonly intermediateDim: number;
  readonly numHeads: number;
  readonly dropout: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly layerNormEpsilon: number;
  readonly normalizeFirst: boolean;
  readonly useCausalMask: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private parts?: {
    attention: MultiHeadAttention;
    attentionNorm: LayerNormalization;
    attentionDropout: Dropout;
    feedforwardNorm: LayerNormalization;
    intermediate: Dense;
    output: Dense;
    feedforwardDropout: Dropout;
  };

  /** `new TransformerEncoder(intermediateDim, numHeads, options)` as keras_nlp, or `new TransformerEncoder({ intermediateDim, numHeads, ... })`. */
  constructor(intermediateDim: number | TransformerEncoderArgs, numHeads?: number, args?: TransformerEncoderArgs, ...extra: unknown[]) {
    const [dim, heads, a] = twoPrimaries<TransformerEncoderArgs>(
      'TransformerEncoder',
      ['intermediateDim', 'numHeads'],
      intermediateDim,
      numHeads,
      args,
      extra,
    );
    super(a);
    for (const [key, v] of [
      ['intermediateDim', dim],
      ['numHeads', heads],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new nb.NablaError(`${this.name}: ${key} must be a positive integer, got ${nb.describe(v)}`);
      }
    }
    this.intermediateDim = dim as number;
    this.numHeads = heads as number;
    const rate = a.dropout ?? 0;
    if (!(typeof rate === 'number' && rate >= 0 && rate < 1)) {
      throw new nb.NablaError(`${this.name}: dropout must be in [0, 1), got ${nb.describe(rate)}`);
    }
    this.dropout = rate;
    this.activation = getActivation(a.activation ?? 'relu');
    this.layerNormEpsilon = a.layerNormEpsilon ?? 1e-5;
    this.normalizeFirst = a.normalizeFirst ?? false;
    this.useCausalMask = a.useCausalMask ?? false;
    this.kernelInitializer = resolveInitializer(a.kernelInitializer, 'glorotUniform');
    this.biasInitializer = resolveInitializer(a.biasInitializer, 'zeros');
  }

  /** The input's sample shape, and the attention mask's when the layer is called on [x, attentionMask], checked. */
  private inputParts(given: Shapes): { inputShape: LayerShape; mask?: LayerShape } {
    const isList = Array.isArray(given[0]);
    const list = shapeList(given);
    const show = (s: LayerShape) => `[null,${s.map((d) => d ?? 'null').join(',')}]`;
    if (isList && list.length !== 2) {
      throw new nb.NablaError(`${this.name}: call it on x or on a list [x, attentionMask], got ${list.length} inputs`);
    }
    const [inputShape, mask] = list;
    if (inputShape.length !== 2 || inputShape[1] === null) {
      throw new nb.NablaError(`${this.name}: expects [batch, time, features] with known features, got ${show(inputShape)}`);
    }
    const time = inputShape[0];
    if (mask !== undefined && !(mask.length === 2 && mask.every((d) => d === null || time === null || d === time))) {
      throw new nb.NablaError(
        `${this.name}: attentionMask must be [batch, time, time] = [null,${time ?? 'null'},${time ?? 'null'}], got ${show(mask)}`,
      );
    }
    return { inputShape, mask };
  }

  override build(given: Shapes): void {
    const { inputShape, mask } = this.inputParts(given);
    const features = inputShape[1] as number;
    const keyDim = Math.floor(features / this.numHeads);
    if (keyDim === 0) {
      throw new nb.NablaError(
        `${this.name}: features (${features}) must be at least numHeads (${this.numHeads}): each head has features / numHeads`,
      );
    }
    const init = { kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer };
    const sub = (name: string) => `${this.name}/${name}`;
    // Added in keras_hub's order, which is the order of the weights.
    const attention = this.addSublayer(
      new MultiHeadAttention(this.numHeads, keyDim, {
        ...init,
        dropout: this.dropout,
        useCausalMask: this.useCausalMask,
        name: sub('selfAttentionLayer'),
      }),
    );
    const attentionNorm = this.addSublayer(new LayerNormalization({ epsilon: this.layerNormEpsilon, name: sub('selfAttentionLayerNorm') }));
    const attentionDropout = this.addSublayer(new Dropout(this.dropout, { name: sub('selfAttentionDropout') }));
    const feedforwardNorm = this.addSublayer(new LayerNormalization({ epsilon: this.layerNormEpsilon, name: sub('feedforwardLayerNorm') }));
    const intermediate = this.addSublayer(
      new Dense(this.intermediateDim, { ...init, activation: this.activation.fn, name: sub('feedforwardIntermediateDense') }),
    );
    const output = this.addSublayer(new Dense(features, { ...init, name: sub('feedforwardOutputDense') }));
    const feedforwardDropout = this.addSublayer(new Dropout(this.dropout, { name: sub('feedforwardDropout') }));
    attention.build(mask ? [inputShape, inputShape, inputShape, mask] : [inputShape, inputShape]);
    attentionNorm.build(inputShape);
    feedforwardNorm.build(inputShape);
    intermediate.build(inputShape);
    output.build([inputShape[0], this.intermediateDim]);
    this.parts = { attention, attentionNorm, attentionDropout, feedforwardNorm, intermediate, output, feedforwardDropout };
    super.build(given);
  }

  override computeOutputShape(inputShape: Shapes): LayerShape {
    return this.inputParts(inputShape).inputShape;
  }

  /** x's mask passes on (the attention mask's input has none of its own). */
  override computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    return (Array.isArray(mask) ? mask[0] : mask) ?? null;
  }

  override call(inputs: Tensors, ctx: CallContext): nb.Tensor {
    const p = this.parts as NonNullable<TransformerEncoder['parts']>;
    const [x, attentionMask] = Array.isArray(inputs) ? inputs : [inputs];
    const padding = (Array.isArray(ctx.mask) ? ctx.mask[0] : ctx.mask) ?? null;
    // Each random sublayer draws from its own stream of the step's seed (a multiplier other than
    // Sequential's per-position one, so that no sublayer shares a later layer's stream).
    const sub = (k: number): CallContext => ({
      training: ctx.training,
      seed: ctx.seed ? nb.add(ctx.seed, Math.imul(k, 0x85ebca6b)) : undefined,
      losses: ctx.losses,
    });
    let residual = x;
    let y = this.normalizeFirst ? p.attentionNorm.apply(x, sub(0)) : x;
    // The padding mask as the value's mask: keras_hub's [B, 1, T] attention mask (keys only).
    const attended = attentionMask ? [y, y, y, attentionMask] : [y, y];
    y = p.attention.apply(attended, { ...sub(1), mask: [null, padding] }) as nb.Tensor;
    y = nb.add(p.attentionDropout.apply(y, sub(2)), residual);
    if (!this.normalizeFirst) y = p.attentionNorm.apply(y, sub(0));
    residual = y;
    if (this.normalizeFirst) y = p.feedforwardNorm.apply(y, sub(0));
    y = p.output.apply(p.intermediate.apply(y, sub(0)), sub(0));
    y = nb.add(p.feedforwardDropout.apply(y, sub(3)), residual);
    if (!this.normalizeFirst) y = p.feedforwardNorm.apply(y, sub(0));
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      intermediateDim: this.intermediateDim,
      numHeads: this.numHeads,
      dropout: this.dropout,
      activation: this.activation.name,
      layerNormEpsilon: this.layerNormEpsilon,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      normalizeFirst: this.normalizeFirst,
      useCausalMask: this.useCausalMask,
    };
  }
}

registerLayer('TransformerEncoder', TransformerEncoder);
