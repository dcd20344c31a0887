import { isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkOptions, describe, is } from '../options.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toTensor } from './creation.js';
import { add, mul } from './elementwise.js';
import * as p from './prims.js';
import { promoteCast } from './promote.js';
import { type Padding, perAxis, readPadding, type Window, windowOf, windowTaps } from './windows.js';

/**
 * Convolutions, channels-last as in Keras and TensorFlow.js: x is [batch, ...spatial, channels]
 * and a kernel [...window, in / groups, out] (Keras's layout). Composed from primitives: the
 * window's taps (windows.ts: pad, reshape, slice) side by side, then one matmul, so every
 * backend runs them and the gradients (for x and the kernel) come from the primitives' rules.
 */

export interface ConvOptions {
  /** Per spatial axis, or one for all; 1 by default. */
  strides?: number | readonly number[];
  /** 'valid' (the default), 'same' (TensorFlow's SAME), or [before, after] per spatial axis. */
  padding?: Padding;
  /** Per spatial axis, or one for all; 1 by default. */
  dilations?: number | readonly number[];
  /** Input and output channels split into this many independent groups; 1 by default. */
  groups?: number;
}

const CONV_SCHEMA = { strides: is.any, padding: is.any, dilations: is.any, groups: is.positiveInteger };

/** x and the kernel as float tensors of one dtype; integer and bool tensors are errors, as in TensorFlow.js. */
function floatOperands(name: string, x: TensorLike, kernel: TensorLike): [Tensor, Tensor] {
  const ts = [toTensor(name, x), toTensor(name, kernel)];
  ts.forEach((t, i) => {
    if (!isFloat(t.dtype)) throw new NablaError(`${name}: ${i === 0 ? 'x' : 'the kernel'} must be a float tensor, got ${t.dtype}`);
  });
  return promoteCast(name, ts) as [Tensor, Tensor];
}

interface Conv {
  strides: number[];
  padding: Padding;
  dilations: number[];
  groups: number;
}

function readConv(name: string, rank: number, o: ConvOptions): Conv {
  return {
    strides: perAxis(name, 'strides', o.strides, rank, 1),
    padding: readPadding(name, o.padding, rank),
    dilations: perAxis(name, 'dilations', o.dilations, rank, 1),
    groups: o.groups ?? 1,
  };
}

/** The spatial rank a kernel implies, with x's rank checked against it. */
function spatialRank(name: string, x: Tensor, kernel: Tensor, layout: string): number {
  const rank = kernel.rank - 2;
  if (rank < 1 || rank > 3) {
    throw new NablaError(`${name}: the kernel must be ${layout} of rank 3 to 5 (1 to 3 spatial axes), got ${fmtShape(kernel.shape)}`);
  }
  if (x.rank !== rank + 2) {
    throw new NablaError(
      `${name}: x must be [batch, ...spatial, channels] of rank ${rank + 2} for a kernel of ${rank} spatial axes ${fmtShape(kernel.shape)}, got ${fmtShape(x.shape)}`,
    );
  }
  return rank;
}

/**
 * The convolution itself, after the checks: x [batch, ...spatial, cin], kernel [taps, cin / g, cout]
 * flattened over the window. With `flip`, the taps go in reverse order (a transposed convolution
 * reads the kernel mirrored).
 */
function convolve(name: string, x: Tensor, kernel: Tensor, w: Window, groups: number, flip = false): Tensor {
  const [batch, cin] = [x.shape[0], x.shape[x.rank - 1]];
  const [count, cinG, cout] = kernel.shape;
  const out = [batch, ...w.output];
  const rows = out.reduce((a, b) => a * b, 1);
  const taps = windowTaps(x, w, name);
  if (flip) taps.reverse();
  if (groups === 1) {
    // im2col: the taps side by side make [rows, taps * cin], against the kernel as [taps * cin, cout].
    const patches = p.reshape(p.concat(taps, x.rank - 1, name), [rows, count * cin], name);
    const y = p.matmul3(patches, p.reshape(kernel, [count * cin, cout], name), false, false, name);
    return p.reshape(y, [...out, cout], name);
  }
  const coutG = cout / groups;
  if (cinG === 1) {
    // Depthwise (a group per input channel): each tap times its slice of the kernel, summed. Output
    // channel c * multiplier + m reads input channel c, as TensorFlow orders them.
    const k = p.reshape(kernel, [count, cin, coutG], name);
    let y: Tensor | undefined;
    taps.forEach((tap, t) => {
      const kt = p.reshape(p.slice(k, [t, 0, 0], [1, cin, coutG], name), coutG === 1 ? [cin] : [cin, coutG], name);
      const term = mul(coutG === 1 ? tap : p.reshape(tap, [...tap.shape, 1], name), kt);
      y = y === undefined ? term : add(y, term);
    });
    return p.reshape(y as Tensor, [...out, cout], name);
  }
  // Groups: a batched matmul, group g taking input channels [g * cinG, (g + 1) * cinG) and making
  // output channels [g * coutG, (g + 1) * coutG).
  const patches = p.transpose(p.reshape(p.concat(taps, x.rank - 1, name), [rows, count, groups, cinG], name), [2, 0, 1, 3], name);
  const k = p.transpose(p.reshape(kernel, [count, cinG, groups, coutG], name), [2, 0, 1, 3], name);
  const y = p.matmul3(
    p.reshape(patches, [groups, rows, count * cinG], name),
    p.reshape(k, [groups, count * cinG, coutG], name),
    false,
    false,
    name,
  );
  return p.reshape(p.transpose(y, [1, 0, 2], name), [...out, cout], name);
}

/** Checks channels and groups, then convolves; the kernel is [...window, cin / groups, cout]. */
function convChecked(name: string, x: Tensor, kernel: Tensor, c: Conv): Tensor {
  const rank = x.rank - 2;
  const cin = x.shape[rank + 1];
  const [cinG, cout] = kernel.shape.slice(-2);
  const g = c.groups;
  if (cin % g !== 0 || cout % g !== 0) {
    throw new NablaError(`${name}: groups ${g} must divide the input channels ${cin} and the output channels ${cout}`);
  }
  if (cinG * g !== cin) {
    const want = g === 1 ? `${cin}, x's channels` : `${cin / g}, x's ${cin} channels over ${g} groups`;
    throw new NablaError(
      `${name}: the kernel ${fmtShape(kernel.shape)} takes ${cinG} input channels, expected ${want} (x ${fmtShape(x.shape)})`,
    );
  }
  if (x.shape[0] === 0 || cout === 0)
    throw new NablaError(`${name}: x ${fmtShape(x.shape)} and kernel ${fmtShape(kernel.shape)} make an empty output`);
  const w = windowOf(name, x.shape.slice(1, -1), kernel.shape.slice(0, rank), c.strides, c.dilations, c.padding);
  const count = w.size.reduce((a, b) => a * b, 1);
  return convolve(name, x, p.reshape(kernel, [count, cinG, cout], name), w, g);
}

/**
 * N-D convolution (1 to 3 spatial axes), channels-last: x [batch, ...spatial, cin], kernel
 * [...window, cin / groups, cout] as Keras lays it out; the spatial rank is the kernel's. Options:
 * strides, padding ('valid', 'same' as TensorFlow pads, or [before, after] per axis), dilations
 * and groups (groups = cin is a depthwise convolution). No bias: add it.
 */
export const conv = op(
  'conv',
  function conv(x: TensorLike, kernel: TensorLike, options?: ConvOptions): Tensor {
    const [tx, tk] = floatOperands('conv', x, kernel);
    const rank = spatialRank('conv', tx, tk, '[...window, cin / groups, cout]');
    return convChecked('conv', tx, tk, readConv('conv', rank, checkOptions('conv', options, CONV_SCHEMA)));
  },
  3,
);

/** TensorFlow.js's padding argument: 'valid', 'same', a number for every side, or explicit pairs. */
type TfPad = 'valid' | 'same' | number | readonly (readonly [number, number])[];

/**
 * A TensorFlow.js `pad` as nabla's padding: a number pads every spatial side by it; explicit pairs
 * are one per spatial axis, or (TensorFlow.js's own form for conv2d) one per axis of x with the
 * batch and channel pairs zero.
 */
function tfPadding(name: string, pad: unknown, rank: number): Padding {
  if (typeof pad === 'number') {
    if (!Number.isInteger(pad) || pad < 0) throw new NablaError(`${name}: a numeric pad must be a non-negative integer, got ${pad}`);
    return new Array(rank).fill([pad, pad]);
  }
  if (Array.isArray(pad) && pad.length === rank + 2) {
    const [first, last] = [pad[0], pad[rank + 1]];
    const zero = (v: unknown) => Array.isArray(v) && v.length === 2 && v[0] === 0 && v[1] === 0;
    if (!zero(first) || !zero(last)) {
      throw new NablaError(`${name}: explicit padding of the batch and channel axes must be [0, 0], got ${describe(pad)}`);
    }
    return readPadding(name, pad.slice(1, rank + 1), rank);
  }
  return readPadding(name, pad, rank);
}

function channelsLast(name: string, dataFormat: unknown, expected: string): void {
  if (dataFormat !== undefined && dataFormat !== expected) {
    throw new NablaError(`${name}: dataFormat must be '${expected}' (nabla is channels-last), got ${describe(dataFormat)}`);
  }
}

/** TensorFlow.js's unbatched form: x without its batch axis gets one, and the result loses it. */
function batched(name: string, x: Tensor, rank: number, f: (x4: Tensor) => Tensor): Tensor {
  if (x.rank === rank + 2) return f(x);
  if (x.rank !== rank + 1) {
    throw new NablaError(`${name}: x must be of rank ${rank + 2} (batched) or ${rank + 1} (one example), got ${fmtShape(x.shape)}`);
  }
  const y = f(p.reshape(x, [1, ...x.shape], name));
  return p.reshape(y, y.shape.slice(1), name);
}

/**
 * The positional forms TensorFlow.js gives conv1d, conv2d and depthwiseConv2d
 * (`(x, filter, strides, pad, dataFormat, dilations)`), or nabla's options object in place of
 * strides. Positional padding is TensorFlow.js's (tfPadding); the default is 'valid'.
 */
function tfConvArgs(
  name: string,
  rank: number,
  format: string,
  stridesOrOptions: unknown,
  pad: unknown,
  dataFormat: unknown,
  dilations: unknown,
): Conv {
  if (typeof stridesOrOptions === 'object' && stridesOrOptions !== null && !Array.isArray(stridesOrOptions)) {
    const rest = [pad, dataFormat, dilations].filter((v) => v !== undefined);
    if (rest.length > 0) throw new NablaError(`${name}: ${describe(rest[0])} given after an options object; put it in the options`);
    return readConv(name, rank, checkOptions(name, stridesOrOptions as ConvOptions, CONV_SCHEMA));
  }
  channelsLast(name, dataFormat, format);
  return {
    strides: perAxis(name, 'strides', stridesOrOptions, rank, 1),
    padding: pad === undefined ? 'valid' : tfPadding(name, pad, rank),
    dilations: perAxis(name, 'dilations', dilations, rank, 1),
    groups: 1,
  };
}

/**
 * 2-D convolution as TensorFlow.js calls it: `conv2d(x, filter, strides, pad, dataFormat,
 * dilations)` with x [batch, h, w, cin] (or [h, w, cin]), filter [fh, fw, cin, cout], pad
 * 'valid' | 'same' | a number | explicit pairs; or `conv2d(x, filter, { strides, padding,
 * dilations, groups })`. Only the 'NHWC' data format.
 */
export const conv2d = op(
  'conv2d',
  function conv2d(
    x: TensorLike,
    filter: TensorLike,
    strides?: number | readonly number[] | ConvOptions,
    pad?: TfPad,
    dataFormat?: 'NHWC',
    dilations?: number | readonly number[],
  ): Tensor {
    const [tx, tk] = floatOperands('conv2d', x, filter);
    if (tk.rank !== 4) throw new NablaError(`conv2d: the filter must be [fh, fw, cin / groups, cout] of rank 4, got ${fmtShape(tk.shape)}`);
    const c = tfConvArgs('conv2d', 2, 'NHWC', strides, pad, dataFormat, dilations);
    return batched('conv2d', tx, 2, (x4) => convChecked('conv2d', x4, tk, c));
  },
  6,
);

/**
 * 1-D convolution as TensorFlow.js calls it: `conv1d(x, filter, stride, pad, dataFormat,
 * dilation)` with x [batch, width, cin] (or [width, cin]) and filter [fw, cin, cout]; or
 * `conv1d(x, filter, { strides, padding, dilations, groups })`. Only the 'NWC' data format.
 */
export const conv1d = op(
  'conv1d',
  function conv1d(
    x: TensorLike,
    filter: TensorLike,
    stride?: number | ConvOptions,
    pad?: TfPad,
    dataFormat?: 'NWC',
    dilation?: number,
  ): Tensor {
    const [tx, tk] = floatOperands('conv1d', x, filter);
    if (tk.rank !== 3) throw new NablaError(`conv1d: the filter must be [fw, cin / groups, cout] of rank 3, got ${fmtShape(tk.shape)}`);
    const c = tfConvArgs('conv1d', 1, 'NWC', stride, pad, dataFormat, dilation);
    return batched('conv1d', tx, 1, (x3) => convChecked('conv1d', x3, tk, c));
  },
  6,
);

/**
 * Depthwise 2-D convolution (TensorFlow.js's and Keras's): filter [fh, fw, cin, multiplier];
 * output channel c * multiplier + m convolves input channel c with filter[..., c, m]. A grouped
 * convolution with one group per input channel. Same call forms as conv2d (groups excepted).
 */
export const depthwiseConv2d = op(
  'depthwiseConv2d',
  function depthwiseConv2d(
    x: TensorLike,
    filter: TensorLike,
    strides?: number | readonly number[] | Omit<ConvOptions, 'groups'>,
    pad?: TfPad,
    dataFormat?: 'NHWC',
    dilations?: number | readonly number[],
  ): Tensor {
    const name = 'depthwiseConv2d';
    const [tx, tk] = floatOperands(name, x, filter);
    if (tk.rank !== 4) throw new NablaError(`${name}: the filter must be [fh, fw, cin, multiplier] of rank 4, got ${fmtShape(tk.shape)}`);
    const c = tfConvArgs(name, 2, 'NHWC', strides, pad, dataFormat, dilations);
    if (c.groups !== 1) throw new NablaError(`${name}: takes no groups option (its groups are the input channels)`);
    return batched(name, tx, 2, (x4) => depthwise(name, x4, tk, c));
  },
  6,
);

function depthwise(name: string, x: Tensor, filter: Tensor, c: Conv): Tensor {
  const [fh, fw, cin, mult] = filter.shape;
  if (x.shape[3] !== cin) {
    throw new NablaError(
      `${name}: the filter ${fmtShape(filter.shape)} takes ${cin} input channels, x ${fmtShape(x.shape)} has ${x.shape[3]}`,
    );
  }
  return convChecked(name, x, p.reshape(filter, [fh, fw, 1, cin * mult], name), { ...c, groups: cin });
}

/**
 * Depthwise then pointwise 2-D convolution (TensorFlow.js's separableConv2d and Keras's
 * SeparableConv2D): `separableConv2d(x, depthwiseFilter [fh, fw, cin, multiplier],
 * pointwiseFilter [1, 1, cin * multiplier, cout], strides, pad, dilation, dataFormat)`, or an
 * options object in place of strides. The pointwise step is a 1x1 convolution, a matmul.
 */
export const separableConv2d = op(
  'separableConv2d',
  function separableConv2d(
    x: TensorLike,
    depthwiseFilter: TensorLike,
    pointwiseFilter: TensorLike,
    strides?: number | readonly number[] | Omit<ConvOptions, 'groups'>,
    pad?: TfPad,
    dilation?: number | readonly number[],
    dataFormat?: 'NHWC',
  ): Tensor {
    const name = 'separableConv2d';
    const [tx, td] = floatOperands(name, x, depthwiseFilter);
    const [, tp] = floatOperands(name, tx, pointwiseFilter);
    if (td.rank !== 4)
      throw new NablaError(`${name}: the depthwise filter must be [fh, fw, cin, multiplier] of rank 4, got ${fmtShape(td.shape)}`);
    const mid = td.shape[2] * td.shape[3];
    if (tp.rank !== 4 || tp.shape[0] !== 1 || tp.shape[1] !== 1 || tp.shape[2] !== mid) {
      throw new NablaError(
        `${name}: the pointwise filter must be [1, 1, ${mid}, cout] after a depthwise filter ${fmtShape(td.shape)}, got ${fmtShape(tp.shape)}`,
      );
    }
    const c = tfConvArgs(name, 2, 'NHWC', strides, pad, dataFormat, dilation);
    if (c.groups !== 1) throw new NablaError(`${name}: takes no groups option`);
    return batched(name, tx, 2, (x4) => {
      const d = depthwise(name, x4, td, c);
      const rows = d.size / mid;
      const y = p.matmul3(p.reshape(d, [rows, mid], name), p.reshape(tp, [mid, tp.shape[3]], name), false, false, name);
      return p.reshape(y, [...d.shape.slice(0, -1), tp.shape[3]], name);
    });
  },
  7,
);

export interface ConvTransposeOptions {
  strides?: number | readonly number[];
  /** 'valid' (the default) or 'same', as Keras's Conv2DTranspose; or the forward convolution's [before, after] per axis. */
  padding?: Padding;
  /** Extra rows and columns on the output's far side, each below its stride (Keras's output_padding). */
  outputPadding?: number | readonly number[] | null;
  dilations?: number | readonly number[];
}

const TRANSPOSE_SCHEMA = { strides: is.any, padding: is.any, outputPadding: is.any, dilations: is.any };

/**
 * The output length of a transposed convolution, Keras's rule (deconv_output_length): without
 * outputPadding, in * s + max(k_eff - s, 0) for 'valid' and in * s for 'same'; with it,
 * (in - 1) * s + k_eff - 2 * pad + outputPadding, pad being 0 ('valid') or floor(k_eff / 2) ('same').
 */
function transposedLength(n: number, size: number, s: number, d: number, padding: Padding, i: number, extra: number | null): number {
  const span = (size - 1) * d + 1;
  if (typeof padding !== 'string') return (n - 1) * s + span - padding[i][0] - padding[i][1] + (extra ?? 0);
  if (extra === null) return padding === 'valid' ? n * s + Math.max(span - s, 0) : n * s;
  return (n - 1) * s + span - (padding === 'same' ? 2 * Math.floor(span / 2) : 0) + extra;
}

/**
 * Transposed convolution (the gradient of a convolution with respect to its input; Keras's
 * Conv2DTranspose): x [batch, ...spatial, cin], kernel [...window, cout, cin] as Keras lays it out,
 * output [batch, ...out, cout] with Keras's output size rule. Computed as a stride-1 convolution
 * of x spread out by the strides (zeros between its elements) with the mirrored kernel.
 */
export const convTranspose = op(
  'convTranspose',
  function convTranspose(x: TensorLike, kernel: TensorLike, options?: ConvTransposeOptions): Tensor {
    const name = 'convTranspose';
    const [tx, tk] = floatOperands(name, x, kernel);
    const rank = spatialRank(name, tx, tk, '[...window, cout, cin]');
    const o = checkOptions(name, options, TRANSPOSE_SCHEMA);
    const strides = perAxis(name, 'strides', o.strides, rank, 1);
    const dilations = perAxis(name, 'dilations', o.dilations, rank, 1);
    const padding = readPadding(name, o.padding, rank);
    const extra = o.outputPadding == null ? null : outputPaddingOf(name, o.outputPadding, rank, strides);
    const [cout, cin] = tk.shape.slice(-2);
    if (tx.shape[rank + 1] !== cin) {
      throw new NablaError(
        `${name}: the kernel ${fmtShape(tk.shape)} takes ${cin} input channels (its last axis), x ${fmtShape(tx.shape)} has ${tx.shape[rank + 1]}`,
      );
    }
    const size = tk.shape.slice(0, rank);
    const input = tx.shape.slice(1, -1);
    const lengths = input.map((n, i) => transposedLength(n, size[i], strides[i], dilations[i], padding, i, extra ? extra[i] : null));
    if (tx.shape[0] === 0 || cout === 0 || lengths.some((l) => l < 1) || input.some((n) => n === 0)) {
      throw new NablaError(
        `${name}: x ${fmtShape(tx.shape)} and kernel ${fmtShape(tk.shape)} make an empty output of spatial sizes ${fmtShape(lengths)}`,
      );
    }
    // The forward convolution, from the output back to x: its padding, and a check that it maps back.
    const forward = windowOf(name, lengths, size, strides, dilations, padding);
    if (forward.output.some((n, i) => n !== input[i])) {
      throw new NablaError(
        `${name}: an output of spatial sizes ${fmtShape(lengths)} convolves back to ${fmtShape(forward.output)}, not x's ${fmtShape(input)}`,
      );
    }
    // x spread out: element i at i * s, with s - 1 zeros after each; then padded so that a stride-1
    // 'valid' convolution with the mirrored kernel gives the output (span - 1 - before zeros first).
    const [batch] = tx.shape;
    let spread = tx;
    if (strides.some((s) => s > 1)) {
      const split = [batch, ...input.flatMap((n) => [n, 1]), cin];
      const pads: [number, number][] = [
        [0, 0],
        ...strides.flatMap((s) => [[0, 0] as [number, number], [0, s - 1] as [number, number]]),
        [0, 0],
      ];
      spread = p.reshape(p.pad(p.reshape(tx, split, name), pads, 0, name), [batch, ...input.map((n, i) => n * strides[i]), cin], name);
    }
    const pads: [number, number][] = forward.pads.map(([before], i) => {
      const span = (size[i] - 1) * dilations[i] + 1;
      return [span - 1 - before, lengths[i] - input[i] * strides[i] + before];
    });
    const trimmed = pads.map(([, after]) => Math.min(after, 0));
    let padded = p.pad(spread, [[0, 0], ...pads.map(([b, a]) => [b, Math.max(a, 0)] as [number, number]), [0, 0]], 0, name);
    if (trimmed.some((t) => t < 0)) {
      padded = p.slice(
        padded,
        padded.shape.map(() => 0),
        padded.shape.map((d, i) => (i === 0 || i > rank ? d : d + trimmed[i - 1])),
        name,
      );
    }
    const w = windowOf(name, padded.shape.slice(1, -1), size, new Array(rank).fill(1), dilations, 'valid');
    const count = size.reduce((a, b) => a * b, 1);
    const k = p.reshape(p.transpose(p.reshape(tk, [count, cout, cin], name), [0, 2, 1], name), [count, cin, cout], name);
    return convolve(name, padded, k, w, 1, true);
  },
  3,
);

function outputPaddingOf(name: string, value: unknown, rank: number, strides: number[]): number[] {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const list = ok(value) ? new Array<number>(rank).fill(value as number) : value;
  if (!Array.isArray(list) || list.length !== rank || !list.every(ok)) {
    throw new NablaError(`${name}: outputPadding must be a non-negative integer or a list of ${rank}, got ${describe(value)}`);
  }
  list.forEach((v: number, i) => {
    if (v >= strides[i])
      throw new NablaError(`${name}: outputPadding ${v} on spatial axis ${i} must be smaller than the stride ${strides[i]}`);
  });
  return list as number[];
}
