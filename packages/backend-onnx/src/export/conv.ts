import type { Attr } from '../onnx/builder.js';
import { elementwise } from './activation.js';
import type { OnnxExportContext, OnnxExporter } from './types.js';
import { kernelToOnnx } from './weights.js';

/**
 * The convolution and pooling layers. nabla is channels-last and ONNX's Conv and pools are
 * channels-first, so each such op sits between two Transposes; a transpose back to a value at
 * hand is that value (GraphWriter.channelsFirst), so a stack of convolutions transposes once at
 * each end. Pads are explicit, TensorFlow's: 'same' puts the odd pad after.
 */

type Padding = 'valid' | 'same' | 'causal';

/** ONNX's pads [begin..., end...] for a window over known spatial sizes. */
function padsOf(spatial: number[], size: number[], strides: number[], dilations: number[], padding: Padding): number[] {
  const pairs = spatial.map((n, i) => {
    const span = (size[i] - 1) * dilations[i] + 1;
    if (padding === 'causal') return [span - 1, 0];
    if (padding === 'valid') return [0, 0];
    const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + span - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
  return [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
}

interface WindowConfig {
  rank: number;
  kernelSize: number[];
  strides: number[];
  dilations: number[];
  padding: Padding;
  activation: string;
}

function windowConfig(ctx: OnnxExportContext): WindowConfig {
  const c = ctx.config;
  const kernelSize = c.kernelSize as number[];
  const rank = kernelSize.length;
  return {
    rank,
    kernelSize,
    strides: (c.strides as number[] | undefined) ?? new Array(rank).fill(1),
    dilations: (c.dilationRate as number[] | undefined) ?? new Array(rank).fill(1),
    padding: (c.padding as Padding | undefined) ?? 'valid',
    activation: String(c.activation ?? 'linear'),
  };
}

/** A Keras kernel as ONNX's, optionally viewed first with another shape (same data order). */
async function onnxKernel(ctx: OnnxExportContext, name: string, view?: (shape: number[]) => number[]): Promise<string> {
  const { shape, data } = await ctx.weightData(name);
  const k = kernelToOnnx(data, view ? view(shape) : shape);
  return ctx.builder.constant({ type: 'float32', shape: k.shape, data: k.data });
}

function convAttrs(w: WindowConfig, spatial: number[], group: number): Record<string, Attr> {
  return {
    kernel_shape: { ints: w.kernelSize },
    strides: { ints: w.strides },
    dilations: { ints: w.dilations },
    pads: { ints: padsOf(spatial, w.kernelSize, w.strides, w.dilations, w.padding) },
    group: { int: group },
  };
}

/** A channels-first result back to channels-last, with the activation (elementwise ones before the transpose, where the next conv can still use the channels-first value). */
function finish(ctx: OnnxExportContext, y: string, w: WindowConfig): string {
  if (elementwise(w.activation)) return ctx.channelsLast(ctx.activation(w.activation, y), w.rank);
  return ctx.activation(w.activation, ctx.channelsLast(y, w.rank));
}

async function bias(ctx: OnnxExportContext): Promise<string[]> {
  return ctx.hasWeight('bias') ? [await ctx.weight('bias')] : [];
}

const Conv: OnnxExporter = async (ctx) => {
  const w = windowConfig(ctx);
  const x = ctx.channelsFirst(ctx.inputs[0], w.rank);
  const spatial = ctx.inputShapes[0].slice(0, w.rank);
  const y = ctx.builder.op(
    'Conv',
    [x, await onnxKernel(ctx, 'kernel'), ...(await bias(ctx))],
    convAttrs(w, spatial, (ctx.config.groups as number) ?? 1),
  );
  return finish(ctx, y, w);
};

/** Keras's depthwise kernel [...window, channels, multiplier] as a grouped conv's [...window, 1, channels * multiplier] (a group per channel). */
const depthwiseView = (shape: number[]) => [...shape.slice(0, -2), 1, shape[shape.length - 2] * shape[shape.length - 1]];

const DepthwiseConv: OnnxExporter = async (ctx) => {
  const w = windowConfig(ctx);
  const x = ctx.channelsFirst(ctx.inputs[0], w.rank);
  const spatial = ctx.inputShapes[0].slice(0, w.rank);
  const channels = ctx.inputShapes[0][w.rank];
  const kernel = await onnxKernel(ctx, 'kernel', depthwiseView);
  const y = ctx.builder.op('Conv', [x, kernel, ...(await bias(ctx))], convAttrs(w, spatial, channels));
  return finish(ctx, y, w);
};

/** The depthwise step (strides, dilation, padding), then a 1x1 convolution with the bias. */
const SeparableConv: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const w = windowConfig(ctx);
  const x = ctx.channelsFirst(ctx.inputs[0], w.rank);
  const spatial = ctx.inputShapes[0].slice(0, w.rank);
  const channels = ctx.inputShapes[0][w.rank];
  const depth = b.op('Conv', [x, await onnxKernel(ctx, 'depthwise_kernel', depthwiseView)], convAttrs(w, spatial, channels));
  const ones = new Array(w.rank).fill(1);
  const pointwise = { ...w, kernelSize: ones, strides: ones, dilations: ones, padding: 'valid' as const };
  const y = b.op('Conv', [depth, await onnxKernel(ctx, 'pointwise_kernel'), ...(await bias(ctx))], convAttrs(pointwise, ones, 1));
  return finish(ctx, y, w);
};

/**
 * ONNX's ConvTranspose with the pads of the forward convolution that maps Keras's output size
 * back to the input, and the output_padding that makes up the rest of the size (below the stride).
 */
const ConvTranspose: OnnxExporter = async (ctx) => {
  const w = windowConfig(ctx);
  const x = ctx.channelsFirst(ctx.inputs[0], w.rank);
  const input = ctx.inputShapes[0].slice(0, w.rank);
  const output = ctx.outputShapes[0].slice(0, w.rank);
  const pads = padsOf(output, w.kernelSize, w.strides, w.dilations, w.padding);
  const outputPadding = output.map((n, i) => {
    const span = (w.kernelSize[i] - 1) * w.dilations[i] + 1;
    return n - (w.strides[i] * (input[i] - 1) + span - pads[i] - pads[i + w.rank]);
  });
  if (outputPadding.some((p, i) => p < 0 || p >= Math.max(w.strides[i], w.dilations[i]))) {
    throw ctx.error(
      `output size [${output}] from input [${input}] needs output_padding [${outputPadding}], which ONNX's ConvTranspose does not take`,
    );
  }
  const y = ctx.builder.op('ConvTranspose', [x, await onnxKernel(ctx, 'kernel'), ...(await bias(ctx))], {
    kernel_shape: { ints: w.kernelSize },
    strides: { ints: w.strides },
    dilations: { ints: w.dilations },
    pads: { ints: pads },
    output_padding: { ints: outputPadding },
  });
  return finish(ctx, y, w);
};

/** Max or average pooling; average pooling with 'same' counts only the input's elements (count_include_pad 0), as TensorFlow. */
const pooling =
  (op: 'MaxPool' | 'AveragePool'): OnnxExporter =>
  (ctx) => {
    const c = ctx.config;
    const size = c.poolSize as number[];
    const rank = size.length;
    const strides = (c.strides as number[] | null | undefined) ?? size;
    const spatial = ctx.inputShapes[0].slice(0, rank);
    const attrs: Record<string, Attr> = {
      kernel_shape: { ints: size },
      strides: { ints: strides },
      pads: { ints: padsOf(spatial, size, strides, new Array(rank).fill(1), (c.padding as Padding | undefined) ?? 'valid') },
    };
    if (op === 'AveragePool') attrs.count_include_pad = { int: 0 };
    const y = ctx.builder.op(op, [ctx.channelsFirst(ctx.inputs[0], rank)], attrs);
    return ctx.channelsLast(y, rank);
  };

/** The mean or maximum over the spatial axes; GlobalAveragePooling1D's mask leaves padded steps out (zeros for a sequence of padding only). */
const globalPooling =
  (op: 'ReduceMean' | 'ReduceMax'): OnnxExporter =>
  (ctx) => {
    const b = ctx.builder;
    const rank = ctx.inputShapes[0].length - 1;
    const axes = b.int64s(Array.from({ length: rank }, (_, i) => i + 1));
    const keepdims = { keepdims: { int: ctx.config.keepdims === true ? 1 : 0 } };
    const [x] = ctx.inputs;
    const mask = ctx.masks[0];
    if (op === 'ReduceMax' || rank !== 1 || mask === null) return b.op(op, [x, axes], keepdims);
    const m = b.op('Unsqueeze', [mask, b.int64s([2])]);
    const sum = b.op('ReduceSum', [b.op('Where', [m, x, b.scalar('float32', 0)]), axes], keepdims);
    const count = b.op('ReduceSum', [b.cast(m, 'float32'), axes], keepdims);
    return b.op('Div', [sum, b.op('Max', [count, b.scalar('float32', 1)])]);
  };

export const CONV_EXPORTERS: Record<string, OnnxExporter> = {
  Conv1D: Conv,
  Conv2D: Conv,
  Conv3D: Conv,
  DepthwiseConv1D: DepthwiseConv,
  DepthwiseConv2D: DepthwiseConv,
  SeparableConv1D: SeparableConv,
  SeparableConv2D: SeparableConv,
  Conv1DTranspose: ConvTranspose,
  Conv2DTranspose: ConvTranspose,
  Conv3DTranspose: ConvTranspose,
  MaxPooling1D: pooling('MaxPool'),
  MaxPooling2D: pooling('MaxPool'),
  MaxPooling3D: pooling('MaxPool'),
  AveragePooling1D: pooling('AveragePool'),
  AveragePooling2D: pooling('AveragePool'),
  AveragePooling3D: pooling('AveragePool'),
  GlobalAveragePooling1D: globalPooling('ReduceMean'),
  GlobalAveragePooling2D: globalPooling('ReduceMean'),
  GlobalAveragePooling3D: globalPooling('ReduceMean'),
  GlobalMaxPooling1D: globalPooling('ReduceMax'),
  GlobalMaxPooling2D: globalPooling('ReduceMax'),
  GlobalMaxPooling3D: globalPooling('ReduceMax'),
};
