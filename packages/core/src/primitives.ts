import type { DType } from './dtype.js';

/**
 * The primitive op set: all a backend implements. Everything else in nabla (softmax,
 * cross-entropy, layer norm, every gradient) is composed from these in core, once.
 *
 * Conventions every backend follows:
 * - Elementwise binary ops and `where` broadcast numpy-style to the node's shape.
 * - Reductions keep the reduced axes as size 1; core reshapes afterwards.
 * - `matmul` takes two rank-2 operands, or two rank-3 ones with equal batch sizes; core reshapes
 *   and broadcasts batch axes.
 * - Comparisons and logical ops produce bool (stored 0/1 in a Uint8Array on the CPU).
 */
export const UNARY_OPS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'log1p',
  'sqrt',
  'sin',
  'cos',
  'tanh',
  'erf',
  'floor',
  'logicalNot',
  'isNaN',
  'isFinite',
] as const;
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
] as const;
export const REDUCE_OPS = ['sum', 'max', 'prod'] as const;

export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Attributes per primitive. Every attribute is plain JSON, so a graph's structure is a string. */
export interface PrimitiveAttrs {
  unary: { fn: UnaryOp };
  binary: { fn: BinaryOp };
  where: Record<string, never>;
  cast: { dtype: DType };
  reduce: { fn: ReduceOp; axes: number[] };
  argMax: { axis: number };
  matmul: { transposeA: boolean; transposeB: boolean };
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  expand: { shape: number[] };
  slice: { begin: number[]; size: number[] };
  pad: { pads: [number, number][]; value: number };
  concat: { axis: number };
  /** out[..., i, ...] = x[..., indices[i], ...] along `axis`; indices are int32 of any shape. */
  gather: { axis: number };
  /** The adjoint of gather: out = zeros(shape); out[..., indices[i], ...] += updates[..., i, ...]. */
  scatterAdd: { axis: number; shape: number[] };
  /**
   * Uniform floats in [0, 1) from Philox4x32-10. The one operand is an int32 tensor of 4
   * values [key0, key1, offset0, offset1] (a tensor, not an attribute, so a compiled training
   * step can draw new dropout masks every run). Element i takes word i%4 of the block at
   * counter (floor(i/4), 0, offset0, offset1) under (key0, key1), as (word >>> 8) * 2^-24.
   * Integer arithmetic only, so every backend gives the same bits (random/philox.ts is the reference).
   */
  random: { shape: number[] };
}

export type PrimitiveOp = keyof PrimitiveAttrs;
export const PRIMITIVE_OPS: readonly PrimitiveOp[] = [
  'unary',
  'binary',
  'where',
  'cast',
  'reduce',
  'argMax',
  'matmul',
  'reshape',
  'transpose',
  'expand',
  'slice',
  'pad',
  'concat',
  'gather',
  'scatterAdd',
  'random',
];
