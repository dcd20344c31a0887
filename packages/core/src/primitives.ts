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
  'sigmoid',
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

/**
 * How gather and scatterAdd check their indices, and word the error in the terms of the public op
 * the user called: `${op}: ${what} ${value} at position [${position}] is out of range for ${range}`
 * (`gather: index -1 at position [0] is out of range for axis 0 of size 4`). Every backend raises
 * it at run time for the first index, in flat order, outside [0, n) of the indexed axis; negative
 * indices do not count from the end. With `block`, index j must also lie in the j-th block of
 * `block` entries, [j*block, (j+1)*block) (a row's entry of a flattened [rows, block] tensor, as
 * the sparse cross-entropy picks each sample's class), and the value reported is its offset in
 * that block. Constant per call site, so it creates no extra compiles.
 */
export interface IndexCheck {
  /** The public op ('gather', 'sparseCategoricalCrossentropy'). */
  op: string;
  /** What an index is to the user ('index', 'label'). */
  what: string;
  /** The valid range, in the user's words ('axis 0 of size 4', '3 classes'). */
  range: string;
  /** The shape positions are reported in (the user's tensor); the indices' shape when absent. */
  shape?: number[];
  block?: number;
}

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
  /**
   * out[..., i, ...] = x[..., indices[i], ...] along `axis`; indices are int32 of any shape.
   * An index outside [0, n) is an error on every backend, raised when the graph runs (see IndexCheck).
   */
  gather: { axis: number; check: IndexCheck };
  /** The adjoint of gather: out = zeros(shape); out[..., indices[i], ...] += updates[..., i, ...]. */
  scatterAdd: { axis: number; shape: number[]; check: IndexCheck };
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

/** A record over every primitive, so that the list below cannot miss one added to PrimitiveAttrs. */
const EVERY_PRIMITIVE: Record<PrimitiveOp, true> = {
  unary: true,
  binary: true,
  where: true,
  cast: true,
  reduce: true,
  argMax: true,
  matmul: true,
  reshape: true,
  transpose: true,
  expand: true,
  slice: true,
  pad: true,
  concat: true,
  gather: true,
  scatterAdd: true,
  random: true,
};
export const PRIMITIVE_OPS: readonly PrimitiveOp[] = Object.keys(EVERY_PRIMITIVE) as PrimitiveOp[];
