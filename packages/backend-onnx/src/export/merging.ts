import type { OnnxExportContext, OnnxExporter, OnnxExportResult } from './types.js';

/**
 * The merging layers. Samples of lower rank gain ones after the batch axis (Keras 3's rule), not
 * before it as ONNX's broadcasting would put them; masks follow Keras 3 as the layers do.
 */

/** The inputs with ones inserted after the batch axis up to the highest sample rank. */
function aligned(ctx: OnnxExportContext): string[] {
  const b = ctx.builder;
  const rank = Math.max(...ctx.inputShapes.map((s) => s.length));
  return ctx.inputs.map((x, i) => {
    const missing = rank - ctx.inputShapes[i].length;
    return missing === 0 ? x : b.op('Unsqueeze', [x, b.int64s(Array.from({ length: missing }, (_, k) => k + 1))]);
  });
}

/** A [batch, time] mask with trailing ones up to x's full rank, so that it broadcasts against x. */
function fitted(ctx: OnnxExportContext, mask: string, sampleRank: number): string {
  const b = ctx.builder;
  if (sampleRank === 1) return mask;
  return b.op('Unsqueeze', [mask, b.int64s(Array.from({ length: sampleRank - 1 }, (_, k) => k + 2))]);
}

/** The output mask of Add and the like: the OR of the inputs' masks when each has one. */
function orMask(ctx: OnnxExportContext): string | null {
  const masks = ctx.masks;
  if (masks.length === 0 || masks.some((m) => m === null)) return null;
  return (masks as string[]).reduce((a, m) => ctx.builder.op('Or', [a, m]));
}

function merged(ctx: OnnxExportContext, y: string): OnnxExportResult {
  return { outputs: [y], masks: [orMask(ctx)] };
}

const chain =
  (op: string): OnnxExporter =>
  (ctx) =>
    merged(
      ctx,
      aligned(ctx).reduce((a, x) => ctx.builder.op(op, [a, x])),
    );

const Average: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const sum = aligned(ctx).reduce((a, x) => b.op('Add', [a, x]));
  return merged(ctx, b.op('Div', [sum, b.scalar('float32', ctx.inputs.length)]));
};

/** Keras 3: a masked position of an input counts as 1; positions masked in every input (each having a mask) are 0. */
const Multiply: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const xs = aligned(ctx);
  const rank = Math.max(...ctx.inputShapes.map((s) => s.length));
  if (ctx.masks.every((m) => m === null))
    return merged(
      ctx,
      xs.reduce((a, x) => b.op('Mul', [a, x])),
    );
  const masks = ctx.masks.map((m) => (m === null ? null : fitted(ctx, m, rank)));
  const one = b.scalar('float32', 1);
  const out = xs.map((x, i) => (masks[i] === null ? x : b.op('Where', [masks[i] as string, x, one]))).reduce((a, x) => b.op('Mul', [a, x]));
  if (masks.some((m) => m === null)) return merged(ctx, out);
  const any = (masks as string[]).reduce((a, m) => b.op('Or', [a, m]));
  return merged(ctx, b.op('Where', [any, out, b.scalar('float32', 0)]));
};

/** Keras 3's maximum or minimum under masks: a masked position takes the value merged so far (or the next input's), so padding never wins. */
const extremum =
  (op: 'Max' | 'Min'): OnnxExporter =>
  (ctx) => {
    const b = ctx.builder;
    const xs = aligned(ctx);
    const rank = Math.max(...ctx.inputShapes.map((s) => s.length));
    const masks = ctx.masks.map((m) => (m === null ? null : fitted(ctx, m, rank)));
    if (masks.every((m) => m === null))
      return merged(
        ctx,
        xs.reduce((a, x) => b.op(op, [a, x])),
      );
    let out = xs[0];
    let outMask = masks[0];
    for (let i = 1; i < xs.length; i++) {
      let x = xs[i];
      const mask = masks[i];
      if (mask !== null) x = b.op('Where', [mask, x, out]);
      if (outMask !== null) out = b.op('Where', [outMask, out, x]);
      outMask = mask !== null && outMask !== null ? b.op('Or', [outMask, mask]) : null;
      out = b.op(op, [out, x]);
    }
    return merged(ctx, out);
  };

/**
 * Concat along the axis (batch axis 0). With masks, the output's is each input's mask (all true
 * where an input has none) joined the same way and OR-ed over the last axis, as Keras 3.
 */
const Concatenate: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const rank = ctx.inputShapes[0].length + 1;
  const given = (ctx.config.axis as number | undefined) ?? -1;
  const axis = given < 0 ? given + rank : given;
  const y = b.op('Concat', [...ctx.inputs], { axis: { int: axis } });
  if (ctx.masks.every((m) => m === null)) return y;
  const full = ctx.inputs.map((x, i) => {
    const m = ctx.masks[i];
    const shape = b.op('Shape', [x]);
    if (m === null) return b.op('Expand', [b.constant({ type: 'bool', shape: [], data: [1] }), shape]);
    return b.op('Expand', [fitted(ctx, m, rank - 1), shape]);
  });
  const joined = b.op('Concat', full, { axis: { int: axis } });
  const mask = b.cast(b.op('ReduceMax', [b.cast(joined, 'int32'), b.int64s([-1])], { keepdims: { int: 0 } }), 'bool');
  return { outputs: [y], masks: [mask] };
};

/** Keras's batch_dot along one axis of each input; `normalize` makes it the cosine similarity. */
const Dot: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const c = ctx.config;
  const given = Array.isArray(c.axes) ? (c.axes as number[]) : [c.axes as number, c.axes as number];
  const shapes = ctx.inputShapes.map((s) => [0, ...s]);
  const [a, bx] = [0, 1].map((i) => (given[i] < 0 ? given[i] + shapes[i].length : given[i]));
  let [x, y] = ctx.inputs;
  if (c.normalize === true) {
    const unit = (t: string, axis: number) => {
      const norm = b.op('ReduceSum', [b.op('Mul', [t, t]), b.int64s([axis])], { keepdims: { int: 1 } });
      return b.op('Mul', [t, b.op('Reciprocal', [b.op('Sqrt', [b.op('Max', [norm, b.scalar('float32', 1e-14)])])])]);
    };
    x = unit(x, a);
    y = unit(y, bx);
  }
  const keys = (s: number[]) => [...s.keys()];
  const xPerm = keys(shapes[0])
    .filter((i) => i !== a)
    .concat(a);
  const yPerm = [0, bx, ...keys(shapes[1]).filter((i) => i !== 0 && i !== bx)];
  const xRest = shapes[0].filter((_, i) => i !== 0 && i !== a);
  const yRest = shapes[1].filter((_, i) => i !== 0 && i !== bx);
  const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
  const xs = b.op('Reshape', [b.op('Transpose', [x], { perm: { ints: xPerm } }), b.int64s([0, size(xRest), shapes[0][a]])]);
  const ys = b.op('Reshape', [b.op('Transpose', [y], { perm: { ints: yPerm } }), b.int64s([0, shapes[1][bx], size(yRest)])]);
  const out = [...xRest, ...yRest];
  return { outputs: [b.op('Reshape', [b.op('MatMul', [xs, ys]), b.int64s([0, ...(out.length === 0 ? [1] : out)])])], masks: [null] };
};

export const MERGING_EXPORTERS: Record<string, OnnxExporter> = {
  Add: chain('Add'),
  Subtract: chain('Sub'),
  Multiply,
  Average,
  Maximum: extremum('Max'),
  Minimum: extremum('Min'),
  Concatenate,
  Dot,
};
