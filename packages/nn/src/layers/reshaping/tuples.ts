import * as nb from '@nabla/core';
import type { LayerShape } from '../layer.js';

/** A pair of non-negative integers, [before, after] along one axis. */
export type Pair = [number, number];

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isPair = (v: unknown, min: number): v is Pair => Array.isArray(v) && v.length === 2 && v.every((d) => isCount(d, min));

/**
 * Keras's size argument of `axes` spatial axes: one integer for all, or one per axis (at least
 * `min` each). [h, w] for UpSampling2D's size, a number for UpSampling1D's.
 */
export function sizes(layer: string, key: string, v: unknown, axes: number, min: number): number[] {
  if (isCount(v, min)) return new Array(axes).fill(v);
  if (axes > 1 && Array.isArray(v) && v.length === axes && v.every((d) => isCount(d, min))) return [...v];
  const what = min === 0 ? 'non-negative' : 'positive';
  throw new nb.NablaError(
    `${layer}: ${key} must be a ${what} integer${axes > 1 ? ` or a list of ${axes} of them` : ''}, got ${nb.describe(v)}`,
  );
}

/**
 * Keras's padding or cropping argument, as [before, after] per spatial axis: an integer for every
 * side; one per axis, both sides ([h, w]); or [before, after] per axis ([[top, bottom], [left,
 * right]]). With one axis, [before, after] is the pair itself.
 */
export function sidePairs(layer: string, key: string, v: unknown, axes: number): Pair[] {
  if (isCount(v, 0)) return new Array(axes).fill(0).map(() => [v, v] as Pair);
  if (axes === 1 && isPair(v, 0)) return [[v[0], v[1]]];
  if (axes > 1 && Array.isArray(v) && v.length === axes) {
    if (v.every((d) => isCount(d, 0))) return v.map((d) => [d, d] as Pair);
    if (v.every((d) => isPair(d, 0))) return v.map((d) => [d[0], d[1]] as Pair);
  }
  const forms = axes === 1 ? 'an integer or [before, after]' : 'an integer, [height, width] or [[top, bottom], [left, right]]';
  throw new nb.NablaError(`${layer}: ${key} must be ${forms} of non-negative integers, got ${JSON.stringify(v) ?? nb.describe(v)}`);
}

/** Only channels-last data, in TensorFlow.js's or Keras's spelling; returns TensorFlow.js's. */
export function channelsLast(layer: string, v: unknown): 'channelsLast' {
  if (v === undefined || v === 'channelsLast' || v === 'channels_last') return 'channelsLast';
  throw new nb.NablaError(
    `${layer}: dataFormat ${typeof v === 'string' ? `'${v}'` : nb.describe(v)} is not supported; nabla's layers take channels-last data ('channelsLast')`,
  );
}

/** Inputs of `rank` sample axes (batch excluded), else an error naming the layer and the shape expected. */
export function checkRank(layer: string, inputShape: LayerShape, rank: number, what: string): void {
  if (inputShape.length !== rank)
    throw new nb.NablaError(`${layer}: expects ${what} inputs, got [null,${inputShape.map((d) => d ?? 'null')}]`);
}
