import { dense } from './core-layers.js';
import { layerNorm } from './normalization.js';
import type { OnnxExportContext, OnnxExporter } from './types.js';

/** Keras's value for masked scores (its Softmax's -1e9), as core's attentionWeights uses. */
const MASKED = -1e9;

interface Attention {
  numHeads: number;
  keyDim: number;
  valueDim: number;
  causal: boolean;
  /** The sublayer's weight names' prefix ('' for the layer's own). */
  prefix: string;
}

/** x [batch, time, D] times kernel [D, heads, size] plus bias, as [batch, heads, time, size]. */
async function project(ctx: OnnxExportContext, x: string, time: number, which: string, a: Attention): Promise<string> {
  const b = ctx.builder;
  const kernel = await ctx.weightData(`${a.prefix}${which}Kernel`);
  const [d, heads, size] = kernel.shape;
  let y = b.op('MatMul', [x, b.constant({ type: 'float32', shape: [d, heads * size], data: kernel.data })]);
  if (ctx.hasWeight(`${a.prefix}${which}Bias`)) {
    const bias = await ctx.weightData(`${a.prefix}${which}Bias`);
    y = b.op('Add', [y, b.constant({ type: 'float32', shape: [heads * size], data: bias.data })]);
  }
  return b.op('Transpose', [b.op('Reshape', [y, b.int64s([0, time, heads, size])])], { perm: { ints: [0, 2, 1, 3] } });
}

/**
 * Multi-head attention as @nabla/nn's MultiHeadAttention computes it: projections, softmax of the
 * scaled scores (masked scores at -1e9, masked probabilities 0), the heads through the output
 * kernel. `mask` is a bool [batch, 1 or Tq, Tv] value, or null. Returns the output and the scores.
 */
async function attention(
  ctx: OnnxExportContext,
  query: string,
  value: string,
  key: string,
  times: { tq: number; tv: number },
  mask: string | null,
  a: Attention,
): Promise<{ output: string; scores: string }> {
  const b = ctx.builder;
  const q = await project(ctx, query, times.tq, 'query', a);
  const k = await project(ctx, key, times.tv, 'key', a);
  const v = await project(ctx, value, times.tv, 'value', a);
  const scaled = b.op('Mul', [q, b.scalar('float32', 1 / Math.sqrt(a.keyDim))]);
  const logits = b.op('MatMul', [scaled, b.op('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } })]);
  let allowed = mask === null ? null : b.op('Unsqueeze', [mask, b.int64s([1])]);
  if (a.causal) {
    const causal = new Array<number>(times.tq * times.tv);
    for (let i = 0; i < times.tq; i++) for (let j = 0; j < times.tv; j++) causal[i * times.tv + j] = i >= j ? 1 : 0;
    const c = b.constant({ type: 'bool', shape: [times.tq, times.tv], data: causal });
    allowed = allowed === null ? c : b.op('And', [allowed, c]);
  }
  const softmax = (x: string) => b.op('Softmax', [x], { axis: { int: -1 } });
  const scores =
    allowed === null
      ? softmax(logits)
      : b.op('Where', [allowed, softmax(b.op('Where', [allowed, logits, b.scalar('float32', MASKED)])), b.scalar('float32', 0)]);
  const attended = b.op('MatMul', [scores, v]);
  const kernel = await ctx.weightData(`${a.prefix}outputKernel`);
  const out = kernel.shape.slice(2);
  const width = out.reduce((p, r) => p * r, 1);
  const flat = b.op('Reshape', [
    b.op('Transpose', [attended], { perm: { ints: [0, 2, 1, 3] } }),
    b.int64s([0, times.tq, a.numHeads * a.valueDim]),
  ]);
  let y = b.op('MatMul', [flat, b.constant({ type: 'float32', shape: [a.numHeads * a.valueDim, width], data: kernel.data })]);
  if (ctx.hasWeight(`${a.prefix}outputBias`)) {
    const bias = await ctx.weightData(`${a.prefix}outputBias`);
    y = b.op('Add', [y, b.constant({ type: 'float32', shape: [width], data: bias.data })]);
  }
  const output = out.length === 1 ? y : b.op('Reshape', [y, b.int64s([0, times.tq, ...out])]);
  return { output, scores };
}

/** A mask as bool: non-zero is true. */
function asBool(ctx: OnnxExportContext, m: string, type: string): string {
  const b = ctx.builder;
  return type === 'bool' ? m : b.op('Not', [b.op('Equal', [m, b.scalar(type === 'int32' ? 'int32' : 'float32', 0)])]);
}

/**
 * [query, value, key?, attentionMask?]. The inputs' masks combine as Keras's
 * _compute_attention_mask: the query's [B, Tq, 1], the value's and key's [B, 1, Tv], and-ed with
 * the attention mask [B, Tq, Tv]. The output's mask is the query's.
 */
const MultiHeadAttention: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const c = ctx.config;
  const [query, value, key = value, given] = ctx.inputs;
  const tq = ctx.inputShapes[0][0];
  const tv = ctx.inputShapes[1][0];
  const parts: string[] = [];
  const [queryMask, valueMask, keyMask] = ctx.masks;
  if (queryMask) parts.push(b.op('Unsqueeze', [queryMask, b.int64s([-1])]));
  if (valueMask) parts.push(b.op('Unsqueeze', [valueMask, b.int64s([1])]));
  if (ctx.inputs.length > 2 && keyMask) parts.push(b.op('Unsqueeze', [keyMask, b.int64s([1])]));
  if (given !== undefined) parts.push(asBool(ctx, given, ctx.inputTypes[3]));
  const mask = parts.length === 0 ? null : parts.reduce((p, m) => b.op('And', [p, m]));
  const numHeads = c.numHeads as number;
  const keyDim = c.keyDim as number;
  const { output, scores } = await attention(ctx, query, value, key, { tq, tv }, mask, {
    numHeads,
    keyDim,
    valueDim: (c.valueDim as number | undefined) ?? keyDim,
    causal: c.useCausalMask === true,
    prefix: '',
  });
  return c.returnAttentionScores === true
    ? { outputs: [output, scores], masks: [queryMask ?? null, null] }
    : { outputs: [output], masks: [queryMask ?? null] };
};

/**
 * keras_hub's TransformerEncoder from its sublayers' weights: attention with the padding mask
 * as the keys' mask (and-ed with an attention mask input [batch, time, time] when called on
 * [x, attentionMask]), residuals, layer normalizations (after, or with normalizeFirst before),
 * and the feed-forward Dense pair. Dropout is the identity at inference. x's mask passes on.
 */
const TransformerEncoder: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const c = ctx.config;
  const [x, given] = ctx.inputs;
  const sample = ctx.inputShapes[0];
  const [time, features] = sample;
  const numHeads = c.numHeads as number;
  const epsilon = (c.layerNormEpsilon as number | undefined) ?? 1e-5;
  const first = c.normalizeFirst === true;
  const norm = (v: string, which: string) => layerNorm(ctx, v, sample, [2], epsilon, `${which}/`);
  const padding = ctx.masks[0];
  const parts = [
    ...(padding === null ? [] : [b.op('Unsqueeze', [padding, b.int64s([1])])]),
    ...(given === undefined ? [] : [asBool(ctx, given, ctx.inputTypes[1])]),
  ];
  const mask = parts.length === 0 ? null : parts.reduce((p, m) => b.op('And', [p, m]));
  const keyDim = Math.floor(features / numHeads);
  let y = first ? await norm(x, 'selfAttentionLayerNorm') : x;
  const attended = await attention(ctx, y, y, y, { tq: time, tv: time }, mask, {
    numHeads,
    keyDim,
    valueDim: keyDim,
    causal: c.useCausalMask === true,
    prefix: 'selfAttentionLayer/',
  });
  y = b.op('Add', [attended.output, x]);
  if (!first) y = await norm(y, 'selfAttentionLayerNorm');
  const residual = y;
  if (first) y = await norm(y, 'feedforwardLayerNorm');
  y = await dense(ctx, y, String(c.activation ?? 'relu'), 'feedforwardIntermediateDense/');
  y = await dense(ctx, y, 'linear', 'feedforwardOutputDense/');
  y = b.op('Add', [y, residual]);
  return { outputs: [first ? y : await norm(y, 'feedforwardLayerNorm')], masks: [padding] };
};

/** The learned embeddings of positions 0..time-1, broadcast to the input's shape. */
const PositionEmbedding: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const [x] = ctx.inputs;
  const [time, features] = ctx.inputShapes[0].slice(-2);
  const table = await ctx.weightData('embeddings');
  const rows = b.constant({ type: 'float32', shape: [time, features], data: table.data.subarray(0, time * features) });
  return b.op('Expand', [rows, b.op('Shape', [x])]);
};

/** The sinusoidal encodings, a constant made as the layer makes them (in double precision), broadcast to the input's shape. */
const SinePositionEncoding: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const [time, features] = ctx.inputShapes[0].slice(-2);
  const maxWavelength = (ctx.config.maxWavelength as number | undefined) ?? 10000;
  const table = new Float32Array(time * features);
  for (let j = 0; j < features; j++) {
    const rate = maxWavelength ** (-(2 * Math.floor(j / 2)) / features);
    for (let p = 0; p < time; p++) table[p * features + j] = j % 2 === 0 ? Math.sin(p * rate) : Math.cos(p * rate);
  }
  return b.op('Expand', [b.constant({ type: 'float32', shape: [time, features], data: table }), b.op('Shape', [ctx.inputs[0]])]);
};

export const ATTENTION_EXPORTERS: Record<string, OnnxExporter> = {
  MultiHeadAttention,
  TransformerEncoder,
  PositionEmbedding,
  SinePositionEncoding,
};
