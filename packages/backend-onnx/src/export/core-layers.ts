import type { OnnxType } from '../onnx/builder.js';
import type { OnnxExportContext, OnnxExporter, OnnxExportResult } from './types.js';

/** The layers' values that keep their input's element type (reshapes, padding): the output's type is the input's. */
export function sameType(ctx: OnnxExportContext, y: string): OnnxExportResult {
  return { outputs: [y], types: [ctx.inputTypes[0]] };
}

/** A Reshape to [batch, ...sample]: ONNX's 0 copies the (dynamic) batch dimension (allowzero off). */
export function reshapeBatch(ctx: OnnxExportContext, x: string, sample: readonly number[]): string {
  return ctx.builder.op('Reshape', [x, ctx.builder.int64s([0, ...sample])]);
}

/** activation(x kernel + bias) over the last axis (Keras's Dense); `prefix` names a sublayer's weights. */
export async function dense(ctx: OnnxExportContext, x: string, act: string, prefix = ''): Promise<string> {
  const b = ctx.builder;
  let y = b.op('MatMul', [x, await ctx.weight(`${prefix}kernel`)]);
  if (ctx.hasWeight(`${prefix}bias`)) y = b.op('Add', [y, await ctx.weight(`${prefix}bias`)]);
  return ctx.activation(act, y);
}

const Dense: OnnxExporter = (ctx) => dense(ctx, ctx.inputs[0], String(ctx.config.activation ?? 'linear'));

const Activation: OnnxExporter = (ctx) => ctx.activation(String(ctx.config.activation), ctx.inputs[0]);

/** The identity at inference: the input value itself is the output. */
const identity: OnnxExporter = (ctx) => sameType(ctx, ctx.inputs[0]);

const Flatten: OnnxExporter = (ctx) => sameType(ctx, ctx.builder.op('Flatten', [ctx.inputs[0]], { axis: { int: 1 } }));

const Reshape: OnnxExporter = (ctx) => sameType(ctx, reshapeBatch(ctx, ctx.inputs[0], ctx.outputShapes[0]));

/**
 * Gather of the embeddings at the indices (float indices cast to int32, as the layer does). With
 * maskZero the output carries the mask `indices != 0` for the layers after it.
 */
const Embedding: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const [x] = ctx.inputs;
  const type = ctx.inputTypes[0];
  const indices = type === 'int32' || type === 'int64' ? x : b.cast(x, 'int32');
  const y = b.op('Gather', [await ctx.weight('embeddings'), indices], { axis: { int: 0 } });
  if (ctx.config.maskZero !== true) return y;
  if (ctx.inputShapes[0].length !== 1) {
    throw ctx.error(`maskZero masks of indices [batch, ${ctx.inputShapes[0].join(', ')}] have no ONNX export; masks are [batch, time]`);
  }
  const zero = b.scalar(type, 0);
  return { outputs: [y], masks: [b.op('Not', [b.op('Equal', [x, zero])])] };
};

/** [batch, features] -> [batch, n, features]. */
const RepeatVector: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const n = ctx.config.n as number;
  const y = b.op('Expand', [b.op('Unsqueeze', [ctx.inputs[0], b.int64s([1])]), b.int64s([1, n, 1])]);
  return sameType(ctx, y);
};

/** dims are 1-based sample axes (Keras's); the batch axis stays first. */
const Permute: OnnxExporter = (ctx) =>
  sameType(ctx, ctx.builder.op('Transpose', [ctx.inputs[0]], { perm: { ints: [0, ...(ctx.config.dims as number[])] } }));

export const CORE_EXPORTERS: Record<string, OnnxExporter | { fn: OnnxExporter; inputType: OnnxType }> = {
  Dense,
  Activation,
  Dropout: identity,
  Flatten,
  Reshape,
  Embedding: { fn: Embedding, inputType: 'int32' },
  RepeatVector,
  Permute,
};
