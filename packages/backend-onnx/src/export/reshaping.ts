import { reshapeBatch, sameType } from './core-layers.js';
import type { OnnxExportContext, OnnxExporter } from './types.js';

type Pair = [number, number];

/** Each entry along sample axis `axis` (1-based) repeated n times in place: a reshape, a broadcast and a reshape, exact. */
function repeatEach(ctx: OnnxExportContext, x: string, sample: number[], factors: number[]): string {
  const b = ctx.builder;
  const split = sample.flatMap((d, i) => (i < factors.length ? [d, 1] : [d]));
  const wide = sample.flatMap((_, i) => (i < factors.length ? [1, factors[i]] : [1]));
  const y = b.op('Expand', [reshapeBatch(ctx, x, split), b.int64s([1, ...wide])]);
  return reshapeBatch(
    ctx,
    y,
    sample.map((d, i) => (i < factors.length ? d * factors[i] : d)),
  );
}

const UpSampling1D: OnnxExporter = (ctx) => sameType(ctx, repeatEach(ctx, ctx.inputs[0], ctx.inputShapes[0], [ctx.config.size as number]));

/** Keras 3's half-pixel bilinear matrix along one axis [n * factor, n], as the layer builds it. */
function bilinearMatrix(n: number, factor: number): Float32Array {
  const out = n * factor;
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const at = (i + 0.5) / factor - 0.5;
    const low = Math.floor(at);
    const frac = at - low;
    m[i * n + Math.min(Math.max(low, 0), n - 1)] += 1 - frac;
    m[i * n + Math.min(Math.max(low + 1, 0), n - 1)] += frac;
  }
  return Float32Array.from(m);
}

/** Nearest: pixels repeated. Bilinear: the layer's two matmuls with constant interpolation matrices, so the numbers are the layer's. */
const UpSampling2D: OnnxExporter = (ctx) => {
  const b = ctx.builder;
  const [x] = ctx.inputs;
  const [h, w, c] = ctx.inputShapes[0];
  const [fh, fw] = ctx.config.size as Pair;
  if (ctx.config.interpolation !== 'bilinear') return sameType(ctx, repeatEach(ctx, x, [h, w, c], [fh, fw]));
  const f = ctx.inputTypes[0] === 'float32' ? x : b.cast(x, 'float32');
  const matrix = (n: number, k: number) => b.constant({ type: 'float32', shape: [n * k, n], data: bilinearMatrix(n, k) });
  const rows = b.op('MatMul', [matrix(h, fh), reshapeBatch(ctx, f, [h, w * c])]);
  const cols = b.op('MatMul', [matrix(w, fw), b.op('Reshape', [rows, b.int64s([-1, w, c])])]);
  return b.op('Reshape', [cols, b.int64s([-1, h * fh, w * fw, c])]);
};

/** Pads [[before, after], ...] of the leading sample axes, as ONNX's Pad takes them (every axis, batch first). */
function onnxPads(pairs: Pair[], rank: number): number[] {
  const begin = [0, ...pairs.map((p) => p[0])];
  const end = [0, ...pairs.map((p) => p[1])];
  while (begin.length < rank) {
    begin.push(0);
    end.push(0);
  }
  return [...begin, ...end];
}

const zeroPadding =
  (axes: number): OnnxExporter =>
  (ctx) => {
    const pairs = (axes === 1 ? [ctx.config.padding] : ctx.config.padding) as Pair[];
    const b = ctx.builder;
    return sameType(ctx, b.op('Pad', [ctx.inputs[0], b.int64s(onnxPads(pairs, ctx.inputShapes[0].length + 1))]));
  };

const cropping =
  (axes: number): OnnxExporter =>
  (ctx) => {
    const pairs = (axes === 1 ? [ctx.config.cropping] : ctx.config.cropping) as Pair[];
    const b = ctx.builder;
    const sample = ctx.inputShapes[0];
    const starts = pairs.map((p) => p[0]);
    const ends = pairs.map((p, i) => sample[i] - p[1]);
    const y = b.op('Slice', [ctx.inputs[0], b.int64s(starts), b.int64s(ends), b.int64s(pairs.map((_, i) => i + 1))]);
    return sameType(ctx, y);
  };

export const RESHAPING_EXPORTERS: Record<string, OnnxExporter> = {
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D: zeroPadding(1),
  ZeroPadding2D: zeroPadding(2),
  Cropping1D: cropping(1),
  Cropping2D: cropping(2),
};
