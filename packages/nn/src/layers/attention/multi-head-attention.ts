import * as nb from '@nabla/core';
import type { Constraint, SerializedConstraint } from '../../constraints.js';
import type { Initializer, SerializedInitializer } from '../../initializers.js';
import type { Regularizer, SerializedRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import {
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Masks,
  type Shapes,
  shapeList,
  type Tensors,
} from '../layer.js';
import { registerLayer } from '../registry.js';
import { WeightSpec } from '../weight-spec.js';
import { twoPrimaries } from './primaries.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  /** The number of heads, when the options are the only argument. */
  numHeads?: number;
  /** The size of each head for query and key, when the options are the only argument. */
  keyDim?: number;
  /** The size of each head for value (default keyDim). */
  valueDim?: number;
  /** The fraction of attention probabilities dropped while training (default 0). */
  dropout?: number;
  /** Whether the four projections have biases (default true). */
  useBias?: boolean;
  /** The size (or shape) of each output position (default the query's last dimension). */
  outputShape?: number | number[];
  kernelInitializer?: string | Initializer | SerializedInitializer;
  biasInitializer?: string | Initializer | SerializedInitializer;
  kernelRegularizer?: string | Regularizer | SerializedRegularizer;
  biasRegularizer?: string | Regularizer | SerializedRegularizer;
  kernelConstraint?: string | Constraint | SerializedConstraint;
  biasConstraint?: string | Constraint | SerializedConstraint;
  /** Each query sees only the keys up to its own position (Keras's call argument use_causal_mask). */
  useCausalMask?: boolean;
  /**
   * Return [output, scores], scores [batch, heads, Tq, Tv] the attention probabilities before
   * dropout (Keras's call argument return_attention_scores).
   */
  returnAttentionScores?: boolean;
  /** Mixed into the training step's seed for the dropout masks. */
  seed?: number;
}

const outputShapeCheck: nb.Check = (v) =>
  v === undefined ||
  (Number.isInteger(v) && (v as number) > 0) ||
  (Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d > 0))
    ? undefined
    : 'a positive integer or a list of them';

/**
 * Multi-head attention as Keras 3's MultiHeadAttention, on [batch, time, features] inputs. It is
 * called on a list: [query, value], [query, value, key] (key defaults to value), or
 * [query, value, key, attentionMask] with attentionMask [batch, Tq, Tv], true (or non-zero) where
 * a query may attend to a key (Keras's call argument attention_mask; pass value again as key
 * when there is no separate key). The inputs' masks (Embedding maskZero) are combined as Keras
 * does: a padded value (or key) is never attended to, and a padded query attends to nothing
 * (its attention output is zeros, so its output is the output bias). Masked scores are set to
 * -1e9 before the softmax and the probabilities of masked pairs to 0 after it, as Keras 3's
 * Softmax does, so a fully masked row gives zeros, never NaN.
 *
 * Weights in Keras's order and layouts (its query/kernel etc., camelCased): queryKernel
 * [Dq, heads, keyDim], queryBias [heads, keyDim], keyKernel [Dk, heads, keyDim], keyBias,
 * valueKernel [Dv, heads, valueDim], valueBias [heads, valueDim], outputKernel
 * [heads, valueDim, ...outputShape], outputBias [...outputShape]. Keras's attention_axes, use_gate,
 * sliding_window and flash_attention are not supported: attention runs over the time axis.
 */
export class MultiHeadAttention extends Layer<Tensors> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    numHeads: nb.is.any,
    keyDim: nb.is.any,
    valueDim: nb.is.positiveInteger,
    dropout: nb.is.any,
    useBias: nb.is.boolean,
    outputShape: outputShapeCheck,
    ...WeightSpec.schema('kernel'),
    ...WeightSpec.schema('bias'),
    useCausalMask: nb.is.boolean,
    returnAttentionScores: nb.is.boolean,
    seed: nb.is.integer,
  };
  override get className(): string {
    return 'MultiHeadAttention';
  }
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  /** As given; undefined means the query's last dimension. */
  readonly outputShape?: number[];
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
  readonly seed: number;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  queryKernel?: Weight;
  queryBias?: Weight;
  keyKernel?: Weight;
  keyBias?: Weight;
  valueKernel?: Weight;
  valueBias?: Weight;
  outputKernel?: Weight;
  outputBias?: Weight;

  /** `new MultiHeadAttention(numHeads, keyDim, options)` as Keras, or `new MultiHeadAttention({ numHeads, keyDim, ... })`. */
  constructor(numHeads: number | MultiHeadAttentionArgs, keyDim?: number, args?: MultiHeadAttentionArgs, ...extra: unknown[]) {
    const [heads, kd, a] = twoPrimaries<MultiHeadAttentionArgs>(
      'MultiHeadAttention',
      ['numHeads', 'keyDim'],
      numHeads,
      keyDim,
      args,
      extra,
    );
    super(a);
    const positive = (key: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new nb.NablaError(`${this.name}: ${key} must be a positive integer, got ${nb.describe(v)}`);
      }
      return v;
    };
    this.numHeads = positive('numHeads', heads);
    this.keyDim = positive('keyDim', kd);
    this.valueDim = a.valueDim ?? this.keyDim;
    const rate = a.dropout ?? 0;
    if (!(typeof rate === 'number' && rate >= 0 && rate < 1)) {
      throw new nb.NablaError(`${this.name}: dropout must be in [0, 1), got ${nb.describe(rate)}`);
    }
    this.dropout = rate;
    this.useBias = a.useBias ?? true;
    this.outputShape = a.outputShape === undefined ? undefined : typeof a.outputShape === 'number' ? [a.outputShape] : [...a.outputShape];
    this.useCausalMask = a.useCausalMask ?? false;
    this.returnAttentionScores = a.returnAttentionScores ?? false;
    this.seed = a.seed ?? 0;
    this.kernelSpec = WeightSpec.read(a, 'kernel', 'glorotUniform');
    this.biasSpec = WeightSpec.read(a, 'bias', 'zeros');
  }

  /** The query's, value's and key's sample shapes ([time, features]) and the attention mask's, checked. */
  private parts(inputShape: Shapes): { query: LayerShape; value: LayerShape; key: LayerShape; mask?: LayerShape } {
    const list = shapeList(inputShape);
    const isList = Array.isArray(inputShape[0]);
    if (!isList || list.length < 2 || list.length > 4) {
      throw new nb.NablaError(
        `${this.name}: call it on a list [query, value], [query, value, key] or [query, value, key, attentionMask], got ${isList ? `${list.length} inputs` : 'one input'}`,
      );
    }
    const [query, value, key = value, mask] = list;
    const show = (s: LayerShape) => `[null,${s.map((d) => d ?? 'null').join(',')}]`;
    for (const [what, s] of [
      ['query', query],
      ['value', value],
      ['key', key],
    ] as const) {
      if (s.length !== 2 || s[1] === null) {
        throw new nb.NablaError(`${this.name}: ${what} must be [batch, time, features] with known features, got ${show(s)}`);
      }
    }
    if (value[0] !== null && key[0] !== null && value[0] !== key[0]) {
      throw new nb.NablaError(`${this.name}: value and key must have the same length, got ${show(value)} and ${show(key)}`);
    }
    if (mask !== undefined) {
      const fits = mask.length === 2 && [query[0], value[0]].every((d, i) => d === null || mask[i] === null || mask[i] === d);
      if (!fits) {
        throw new nb.NablaError(
          `${this.name}: attentionMask must be [batch, Tq, Tv] = [null,${query[0] ?? 'null'},${value[0] ?? 'null'}], got ${show(mask)}`,
        );
      }
    }
    return { query, value, key, mask };
  }

  override build(inputShape: Shapes): void {
    const { query, value, key } = this.parts(inputShape);
    const dq = query[1] as number;
    const out = this.outputShape ?? [dq];
    const kernel = (name: string, shape: number[]) => this.addWeight(name, shape, this.kernelSpec.options);
    const bias = (name: string, shape: number[]) => (this.useBias ? this.addWeight(name, shape, this.biasSpec.options) : undefined);
    this.queryKernel = kernel('queryKernel', [dq, this.numHeads, this.keyDim]);
    this.queryBias = bias('queryBias', [this.numHeads, this.keyDim]);
    this.keyKernel = kernel('keyKernel', [key[1] as number, this.numHeads, this.keyDim]);
    this.keyBias = bias('keyBias', [this.numHeads, this.keyDim]);
    this.valueKernel = kernel('valueKernel', [value[1] as number, this.numHeads, this.valueDim]);
    this.valueBias = bias('valueBias', [this.numHeads, this.valueDim]);
    this.outputKernel = kernel('outputKernel', [this.numHeads, this.valueDim, ...out]);
    this.outputBias = bias('outputBias', out);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const { query, value } = this.parts(inputShape);
    const output = [query[0], ...(this.outputShape ?? [query[1]])];
    return this.returnAttentionScores ? [output, [this.numHeads, query[0], value[0]]] : output;
  }

  /** The output's mask is the query's (Keras sets it so); the returned scores have none. */
  override computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    const queryMask = Array.isArray(mask) ? (mask[0] ?? null) : null;
    return this.returnAttentionScores ? [queryMask, null] : queryMask;
  }

  override call(inputs: Tensors, ctx: CallContext): Tensors {
    const list = inputs as nb.Tensor[];
    const [query, value, key = value, attentionMask] = list;
    const q = this.project(query, this.queryKernel as Weight, this.queryBias);
    const k = this.project(key, this.keyKernel as Weight, this.keyBias);
    const v = this.project(value, this.valueKernel as Weight, this.valueBias);
    const masks = Array.isArray(ctx.mask) ? ctx.mask : [];
    const mask = this.attentionMask(masks[0] ?? null, masks[1] ?? null, list.length > 2 ? (masks[2] ?? null) : null, attentionMask);
    // [batch, heads, Tq, Tv]; Keras scales the query by 1/sqrt(keyDim) as attentionWeights does.
    const scores = nb.attentionWeights(q, k, { ...(mask ? { mask } : {}), causal: this.useCausalMask });
    const attended = nb.matmul(this.dropped(scores, ctx), v);
    const output = this.combine(attended, query.shape[1]);
    return this.returnAttentionScores ? [output, scores] : output;
  }

  /** x [batch, time, D] times kernel [D, heads, size] (plus bias) as [batch, heads, time, size]: one rank-2 matmul. */
  private project(x: nb.Tensor, kernel: Weight, bias: Weight | undefined): nb.Tensor {
    const [batch, time, d] = x.shape;
    const [, heads, size] = kernel.shape;
    let y = nb.matmul(nb.reshape(x, [batch * time, d]), nb.reshape(kernel.value, [d, heads * size]));
    if (bias) y = nb.add(y, nb.reshape(bias.value, [heads * size]));
    return nb.transpose(nb.reshape(y, [batch, time, heads, size]), [0, 2, 1, 3]);
  }

  /** The heads' outputs [batch, heads, Tq, valueDim] through the output kernel: [batch, Tq, ...outputShape]. */
  private combine(attended: nb.Tensor, time: number): nb.Tensor {
    const batch = attended.shape[0];
    const kernel = this.outputKernel as Weight;
    const out = kernel.shape.slice(2);
    const width = out.reduce((a, b) => a * b, 1);
    const flat = nb.reshape(nb.transpose(attended, [0, 2, 1, 3]), [batch * time, this.numHeads * this.valueDim]);
    let y = nb.matmul(flat, nb.reshape(kernel.value, [this.numHeads * this.valueDim, width]));
    if (this.outputBias) y = nb.add(y, nb.reshape(this.outputBias.value, [width]));
    return nb.reshape(y, [batch, time, ...out]);
  }

  /**
   * Keras's _compute_attention_mask: the query's mask as [B, Tq, 1], the value's and key's as
   * [B, 1, Tv], and the attention mask [B, Tq, Tv], and-ed; [B, 1, ...] for the heads. The causal
   * mask is attentionWeights' own option.
   */
  private attentionMask(
    queryMask: nb.Tensor | null,
    valueMask: nb.Tensor | null,
    keyMask: nb.Tensor | null,
    given?: nb.Tensor,
  ): nb.Tensor | undefined {
    const bool = (m: nb.Tensor) => (m.dtype === 'bool' ? m : nb.notEqual(m, 0));
    const parts: nb.Tensor[] = [];
    if (queryMask) parts.push(nb.expandDims(bool(queryMask), -1));
    if (valueMask) parts.push(nb.expandDims(bool(valueMask), 1));
    if (keyMask) parts.push(nb.expandDims(bool(keyMask), 1));
    if (given) parts.push(bool(given));
    if (parts.length === 0) return undefined;
    return nb.expandDims(
      parts.reduce((a, b) => nb.logicalAnd(a, b)),
      1,
    );
  }

  /** Dropout on the attention probabilities while training, seeded from the step's seed. */
  private dropped(scores: nb.Tensor, ctx: CallContext): nb.Tensor {
    if (!ctx.training || this.dropout === 0) return scores;
    const seed = ctx.seed ? nb.add(ctx.seed, nb.scalar(this.seed | 0, 'int32')) : undefined;
    const keep = nb.greaterEqual(nb.randomUniform(scores.shape, seed === undefined ? {} : { seed }), this.dropout);
    return nb.where(keep, nb.div(scores, 1 - this.dropout), 0);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape,
      ...this.kernelSpec.config(),
      ...this.biasSpec.config(),
      useCausalMask: this.useCausalMask,
      returnAttentionScores: this.returnAttentionScores,
      seed: this.seed,
    };
  }
}

registerLayer('MultiHeadAttention', MultiHeadAttention);
