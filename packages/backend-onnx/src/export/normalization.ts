import type { OnnxExportContext, OnnxExporter } from './types.js';

/** Keras axes (batch axis 0, negative from the end) as sorted full-rank indices. */
export function fullAxes(axis: unknown, sampleRank: number): number[] {
  const rank = sampleRank + 1;
  const list = Array.isArray(axis) ? (axis as number[]) : [(axis as number | undefined) ?? -1];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

/**
 * Inference: the moving statistics folded with gamma and beta into one scale and one shift per
 * feature, y = x * scale + shift, as core's batchNorm computes it
 * (scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale).
 */
const BatchNormalization: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const sample = ctx.inputShapes[0];
  const [axis] = fullAxes(ctx.config.axis, sample.length);
  const epsilon = (ctx.config.epsilon as number | undefined) ?? 1e-3;
  const mean = (await ctx.weightData('movingMean')).data;
  const variance = (await ctx.weightData('movingVariance')).data;
  const gamma = ctx.hasWeight('gamma') ? (await ctx.weightData('gamma')).data : null;
  const beta = ctx.hasWeight('beta') ? (await ctx.weightData('beta')).data : null;
  const n = mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const inv = Math.fround(Math.fround(1 / Math.sqrt(Math.fround(variance[i] + epsilon))) * (gamma ? gamma[i] : 1));
    scale[i] = inv;
    shift[i] = Math.fround((beta ? beta[i] : 0) - Math.fround(mean[i] * inv));
  }
  // [C] against the last axis; another axis gets trailing ones so that it broadcasts there.
  const shape = [n, ...new Array(sample.length - axis).fill(1)];
  const constant = (data: Float32Array) => b.constant({ type: 'float32', shape, data });
  return b.op('Add', [b.op('Mul', [ctx.inputs[0], constant(scale)]), constant(shift)]);
};

/**
 * Normalization over `axes` of x [batch, ...]: ONNX's LayerNormalization (opset 17) when they are
 * the trailing axes, else mean and variance by ReduceMean. gamma and beta have the normalized
 * axes' shape; `prefix` names a sublayer's weights.
 */
export async function layerNorm(
  ctx: OnnxExportContext,
  x: string,
  sample: readonly number[],
  axes: number[],
  epsilon: number,
  prefix = '',
): Promise<string> {
  const b = ctx.builder;
  const rank = sample.length + 1;
  const gamma = ctx.hasWeight(`${prefix}gamma`) ? await ctx.weightData(`${prefix}gamma`) : null;
  const beta = ctx.hasWeight(`${prefix}beta`) ? await ctx.weightData(`${prefix}beta`) : null;
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing) {
    const dims = axes.map((a) => sample[a - 1]);
    const size = dims.reduce((p, q) => p * q, 1);
    const scale = b.constant({ type: 'float32', shape: dims, data: gamma?.data ?? new Float32Array(size).fill(1) });
    const offset = beta ? [b.constant({ type: 'float32', shape: dims, data: beta.data })] : [];
    // The axis counted from the end, so that an export to an opset before 17 can write it as the ops it stands for (export/opset.ts).
    return b.op('LayerNormalization', [x, scale, ...offset], { axis: { int: axes[0] - rank }, epsilon: { float: epsilon } });
  }
  const over = b.int64s(axes);
  const centered = b.op('Sub', [x, b.op('ReduceMean', [x, over], { keepdims: { int: 1 } })]);
  const variance = b.op('ReduceMean', [b.op('Mul', [centered, centered]), over], { keepdims: { int: 1 } });
  let y = b.op('Div', [centered, b.op('Sqrt', [b.op('Add', [variance, b.scalar('float32', epsilon)])])]);
  // The weights over the normalized axes, with ones at the others (sample axes only: they broadcast over the batch).
  const shape = sample.map((d, i) => (axes.includes(i + 1) ? d : 1));
  if (gamma) y = b.op('Mul', [y, b.constant({ type: 'float32', shape, data: gamma.data })]);
  if (beta) y = b.op('Add', [y, b.constant({ type: 'float32', shape, data: beta.data })]);
  return y;
}

const LayerNormalization: OnnxExporter = (ctx) => {
  const sample = ctx.inputShapes[0];
  const epsilon = (ctx.config.epsilon as number | undefined) ?? 1e-3;
  return layerNorm(ctx, ctx.inputs[0], sample, fullAxes(ctx.config.axis, sample.length), epsilon);
};

export const NORMALIZATION_EXPORTERS: Record<string, OnnxExporter> = { BatchNormalization, LayerNormalization };
