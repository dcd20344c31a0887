import { readFileSync } from 'node:fs';
import * as nb from '@nabla/core';
import { expect } from 'vitest';
import { values } from '../../../core/src/test-utils/gradcheck.js';
import type { Layer } from '../layers/layer.js';

/** A weight as torch-reference.py writes it: Keras's layout, flat float64 values. */
export interface ReferenceWeight {
  shape: number[];
  data: number[];
}

export interface MhaCase {
  name: string;
  heads: number;
  keyDim: number;
  shapes: { query: number[]; value: number[]; key: number[] };
  query: number[];
  value: number[];
  key: number[];
  allowed: boolean[] | null;
  padding: number[] | null;
  weights: ReferenceWeight[];
  output: number[];
  scores: number[];
}

export interface EncoderCase {
  name: string;
  heads: number;
  intermediateDim: number;
  normalizeFirst: boolean;
  causal: boolean;
  padding: number[] | null;
  shape: number[];
  x: number[];
  weights: ReferenceWeight[];
  output: number[];
}

/**
 * PyTorch 1.13's nn.MultiheadAttention and nn.TransformerEncoderLayer on Keras-layout weights,
 * made by layers/attention/torch-reference.py.
 */
export const TORCH_REFERENCE: { mha: MhaCase[]; encoder: EncoderCase[]; torch: string } = JSON.parse(
  readFileSync(new URL('../layers/attention/torch-reference.json', import.meta.url), 'utf8'),
);

/** Sets a built layer's weights, in its order (shapes checked), to the given values in `dtype`. */
export function setWeights(layer: Layer, weights: ReferenceWeight[], dtype: nb.DType): void {
  expect(layer.weights.map((w) => w.shape)).toEqual(weights.map((w) => w.shape));
  layer.weights.forEach((w, i) => {
    w.assign(nb.keep(nb.tensor(weights[i].data, weights[i].shape, dtype)));
  });
}

/** A [batch, time] bool mask: the first lengths[b] steps of each sequence are real. */
export function paddingMask(lengths: number[], time: number): nb.Tensor {
  return nb.tensor(
    lengths.flatMap((n) => Array.from({ length: time }, (_, t) => t < n)),
    [lengths.length, time],
  );
}

/** Deterministic values in [-1, 1) of a shape (core's test values). */
export function uniform(shape: number[], seed: number, dtype: nb.DType = 'float32'): nb.Tensor {
  return nb.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      -1,
      1,
      seed,
    ),
    shape,
    dtype,
  );
}
