import { NablaError } from '../errors.js';
import { describe } from '../options.js';
import type { Tensor } from '../tensor.js';
import { constant } from './creation.js';
import { add } from './elementwise.js';
import * as p from './prims.js';

/**
 * Sliding windows over the spatial axes of a channels-last tensor [batch, ...spatial, channels]:
 * the geometry (TensorFlow's output sizes and SAME padding) and the taps, composed from pad,
 * reshape and slice only. Convolution is a matmul over the taps, pooling a maximum or a sum of
 * them (conv.ts, pool.ts); docs/architecture.md says why these are compositions, not primitives.
 */

/** 'valid' (no padding), 'same' (TensorFlow's SAME), or [before, after] per spatial axis. */
export type Padding = 'valid' | 'same' | readonly (readonly [number, number])[];

export interface Window {
  /** The input's spatial sizes. */
  input: number[];
  /** The window's size per spatial axis, undilated. */
  size: number[];
  strides: number[];
  dilations: number[];
  /** Zeros (or, for max pooling, -Infinity) before and after each spatial axis. */
  pads: [number, number][];
  output: number[];
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** A per-axis option given as one positive integer for every axis or one per axis. */
export function perAxis(op: string, name: string, value: unknown, rank: number, fallback: number): number[] {
  if (value === undefined || value === null) return new Array<number>(rank).fill(fallback);
  if (isPositiveInt(value)) return new Array<number>(rank).fill(value);
  if (Array.isArray(value) && value.length === rank && value.every(isPositiveInt)) return [...value];
  throw new NablaError(
    `${op}: ${name} must be a positive integer or a list of ${rank} positive integers (one per spatial axis), got ${describe(value)}`,
  );
}

/** Checks a padding argument against the spatial rank. */
export function readPadding(op: string, padding: unknown, rank: number): Padding {
  if (padding === undefined || padding === null) return 'valid';
  if (padding === 'valid' || padding === 'same') return padding;
  const pair = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);
  if (Array.isArray(padding) && padding.length === rank && padding.every(pair)) {
    return padding.map(([a, b]) => [a, b] as [number, number]);
  }
  throw new NablaError(
    `${op}: padding must be 'valid', 'same' or ${rank} pairs [before, after] of non-negative integers (one per spatial axis), got ${describe(padding)}`,
  );
}

/**
 * The window geometry as TensorFlow computes it. 'valid': out = floor((in - k_eff) / s) + 1, with
 * k_eff = (k - 1) * d + 1. 'same': out = ceil(in / s), padded by max((out - 1) * s + k_eff - in, 0)
 * in all, the odd one after. Explicit pads: out = floor((in + before + after - k_eff) / s) + 1.
 * An output size below 1 is an error.
 */
export function windowOf(
  op: string,
  input: readonly number[],
  size: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  padding: Padding,
): Window {
  const pads: [number, number][] = [];
  const output: number[] = [];
  input.forEach((n, i) => {
    const span = (size[i] - 1) * dilations[i] + 1;
    const s = strides[i];
    let pad: [number, number];
    if (padding === 'same') {
      const total = Math.max((Math.ceil(n / s) - 1) * s + span - n, 0);
      pad = [Math.floor(total / 2), total - Math.floor(total / 2)];
    } else {
      pad = padding === 'valid' ? [0, 0] : [padding[i][0], padding[i][1]];
    }
    const out = Math.floor((n + pad[0] + pad[1] - span) / s) + 1;
    if (n === 0 || out < 1) {
      const dilated = dilations[i] > 1 ? ` (dilated to ${span})` : '';
      const named = typeof padding === 'string' ? ` ('${padding}')` : '';
      throw new NablaError(
        `${op}: spatial axis ${i} of size ${n} gives no output for a window of ${size[i]}${dilated}, ` +
          `stride ${s} and padding [${pad[0]},${pad[1]}]${named}`,
      );
    }
    pads.push(pad);
    output.push(out);
  });
  return { input: [...input], size: [...size], strides: [...strides], dilations: [...dilations], pads, output };
}

/** The window's offsets, in row-major order (the order of a Keras kernel's leading axes). */
export function tapOffsets(w: Window): number[][] {
  let taps: number[][] = [[]];
  for (let i = 0; i < w.size.length; i++) {
    const next: number[][] = [];
    for (const t of taps) for (let k = 0; k < w.size[i]; k++) next.push([...t, k * w.dilations[i]]);
    taps = next;
  }
  return taps;
}

/**
 * One tensor [batch, ...output, channels] per window offset, in row-major order of the window:
 * tap t at output o reads the padded input at o * stride + offset_t. Strided reads are slices of a
 * reshape: each padded spatial axis, resized to a multiple L of its stride s, is viewed as
 * [L / s, s], so that position o * s + q is element (o + floor(q / s), q mod s). The pads hold
 * zeros, or with `outside: -Infinity` that value (max pooling ignores padding), added as a
 * constant rather than written into pad's attribute.
 */
export function windowTaps(x: Tensor, w: Window, label: string, outside = 0): Tensor[] {
  const rank = w.input.length;
  const offsets = tapOffsets(w);
  // Padded length per axis: room for the last output at the largest offset, a multiple of the stride.
  const lengths = w.input.map((_, i) => {
    const last = (w.size[i] - 1) * w.dilations[i];
    return w.strides[i] * (Math.floor(last / w.strides[i]) + w.output[i]);
  });
  const afters = lengths.map((l, i) => l - w.input[i] - w.pads[i][0]);
  let padded = p.pad(x, [[0, 0], ...w.pads.map(([before], i) => [before, Math.max(afters[i], 0)] as [number, number]), [0, 0]], 0, label);
  if (afters.some((a) => a < 0)) {
    padded = p.slice(
      padded,
      padded.shape.map(() => 0),
      [x.shape[0], ...lengths, x.shape[rank + 1]],
      label,
    );
  }
  if (outside !== 0 && w.pads.some(([a, b]) => a > 0 || b > 0)) padded = add(padded, outsideMask(w, lengths, outside, x));
  const [batch, channels] = [x.shape[0], x.shape[rank + 1]];
  const strided = w.strides.some((s) => s > 1);
  const view = strided
    ? p.reshape(padded, [batch, ...lengths.flatMap((l, i) => [l / w.strides[i], w.strides[i]]), channels], label)
    : padded;
  const out = [batch, ...w.output, channels];
  return offsets.map((offset) => {
    if (!strided) return p.slice(view, [0, ...offset, 0], out, label);
    const begin = [0, ...offset.flatMap((q, i) => [Math.floor(q / w.strides[i]), q % w.strides[i]]), 0];
    const size = [batch, ...w.output.flatMap((o) => [o, 1]), channels];
    return p.reshape(p.slice(view, begin, size, label), out, label);
  });
}

/** [1, ...lengths, 1]: 0 over the input, `value` over the padding (the tail past it is never read). */
function outsideMask(w: Window, lengths: number[], value: number, like: Tensor): Tensor {
  const data = new Float64Array(lengths.reduce((a, b) => a * b, 1));
  const index = new Array<number>(lengths.length).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    if (index.some((v, i) => v < w.pads[i][0] || v >= w.pads[i][0] + w.input[i])) data[flat] = value;
    for (let i = lengths.length - 1; i >= 0 && ++index[i] === lengths[i]; i--) index[i] = 0;
  }
  return p.reshape(constant(data, like.dtype), [1, ...lengths, 1]);
}
