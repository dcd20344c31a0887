import * as nb from '@nabla/core';
import type { LayerShape } from '../layer.js';

/**
 * What the convolution and pooling layers share: their per-axis options read as Keras reads them
 * (standardize_tuple, standardize_padding), the constructor's positional forms, and output sizes
 * that keep unknown (null) dimensions unknown.
 */

/** 'valid', 'same', or (Conv1D only) 'causal': zeros before the sequence only, so step t sees steps <= t. */
export type ConvPadding = 'valid' | 'same' | 'causal';

/** An int for every spatial axis or one per axis, positive, as a list of `rank`. */
export function tupleOf(owner: string, name: string, value: unknown, rank: number): number[] {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (ok(value)) return new Array<number>(rank).fill(value as number);
  if (Array.isArray(value) && value.length === rank && value.every(ok)) return [...value];
  throw new nb.NablaError(`${owner}: ${name} must be a positive integer or a list of ${rank} positive integers, got ${nb.describe(value)}`);
}

export function paddingOf(owner: string, value: unknown, causal: boolean): ConvPadding {
  const allowed = causal ? ['valid', 'same', 'causal'] : ['valid', 'same'];
  if (value === undefined) return 'valid';
  if (typeof value === 'string' && allowed.includes(value)) return value as ConvPadding;
  throw new nb.NablaError(`${owner}: padding must be ${allowed.map((p) => `'${p}'`).join(', ')}, got ${nb.describe(value)}`);
}

/** Only channels-last exists (TensorFlow.js's name for it); channels-first is an error, not a silent transpose. */
export function checkDataFormat(owner: string, value: unknown): void {
  if (value !== undefined && value !== 'channelsLast') {
    throw new nb.NablaError(`${owner}: dataFormat must be 'channelsLast' (nabla is channels-last), got ${nb.describe(value)}`);
  }
}

/** Keras refuses strides and dilations above 1 together in its layers; so do these. */
export function checkStridesOrDilation(owner: string, strides: number[], dilations: number[]): void {
  if (Math.max(...strides) > 1 && Math.max(...dilations) > 1) {
    throw new nb.NablaError(
      `${owner}: strides > 1 and dilationRate > 1 cannot be combined, got strides [${strides}] and dilationRate [${dilations}]`,
    );
  }
}

/**
 * The constructor forms of a convolution layer: Keras's `new Conv2D(filters, kernelSize, options)`
 * (or `(filters, { kernelSize, ... })`) and TensorFlow.js's `new Conv2D({ filters, kernelSize, ... })`.
 * Returns the options with both keys filled in; a key given twice or a fourth argument is an error.
 */
export function filtersAndKernel<A extends { filters?: number; kernelSize?: number | number[] }>(
  owner: string,
  first: unknown,
  second: unknown,
  third: unknown,
  extra: unknown[],
): A {
  nb.checkArity(owner, [first, second, third, ...extra], 3);
  const isOptions = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isOptions(first)) {
    if (second !== undefined || third !== undefined) {
      throw new nb.NablaError(
        `${owner}: give the options once: new ${owner}({ filters, kernelSize, ... }) or new ${owner}(filters, kernelSize, { ... })`,
      );
    }
    return first as A;
  }
  const [kernelSize, options] = isOptions(second) && third === undefined ? [undefined, second] : [second, third ?? {}];
  if (!isOptions(options)) throw new nb.NablaError(`${owner}: options must be an object, got ${nb.describe(options)}`);
  const o = options as A;
  if ('filters' in o) throw new nb.NablaError(`${owner}: filters is given twice, as the first argument and in the options`);
  if (kernelSize !== undefined && 'kernelSize' in o) {
    throw new nb.NablaError(`${owner}: kernelSize is given twice, as an argument and in the options`);
  }
  return { ...o, filters: first, ...(kernelSize === undefined ? {} : { kernelSize }) } as A;
}

/** The output length of a convolution or pooling window along one axis (TensorFlow's rule); null stays null. */
export function windowLength(n: number | null, size: number, stride: number, dilation: number, padding: ConvPadding): number | null {
  if (n === null) return null;
  const span = (size - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n + (padding === 'causal' ? span - 1 : 0) - span) / stride) + 1;
}

/**
 * The sample shape's spatial axes and channel count, checked: rank + 1 axes, channels known.
 * `owner` names the layer in errors.
 */
export function spatialAndChannels(owner: string, inputShape: LayerShape, rank: number): [(number | null)[], number] {
  const channels = inputShape[inputShape.length - 1];
  if (inputShape.length !== rank + 1 || channels === null || channels === undefined) {
    throw new nb.NablaError(
      `${owner}: expects samples of ${rank} spatial axes and known channels, [${rank === 1 ? 'steps' : rank === 2 ? 'rows, cols' : 'd1, d2, d3'}, channels], got [${inputShape.map((d) => d ?? 'null').join(',')}]`,
    );
  }
  return [inputShape.slice(0, rank), channels];
}

/** The padding core's conv takes: 'causal' is zeros before each sequence, (k - 1) * d of them. */
export function corePadding(padding: ConvPadding, size: number[], dilations: number[]): nb.Padding {
  return padding === 'causal' ? size.map((k, i) => [(k - 1) * dilations[i], 0] as [number, number]) : padding;
}
