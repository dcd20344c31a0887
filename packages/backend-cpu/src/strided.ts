import { collapseAxes, sizeOf, stridedOffsets } from '@nabla/core';

/**
 * Iteration over a broadcast or permuted view. Adjacent axes that every operand walks
 * contiguously are merged first (core's collapseAxes), so a bias add over [batch, features] is
 * one row loop with a contiguous inner loop, and most same-shape cases a single flat loop.
 */
export interface Walk {
  /** Number of rows: every axis but the last (merged) one. */
  rows: number;
  /** Length of the innermost (merged) axis. */
  inner: number;
  /** Per operand: element offset of each row's start. */
  rowOffsets: Int32Array[];
  /** Per operand: step along the inner axis (0 when broadcast). */
  innerStrides: number[];
}

/**
 * `strides[k][i]` is operand k's step for output axis i (0 where it broadcasts).
 * Offsets are precomputed at compile time: plans run many times with the same shapes.
 */
export function planWalk(outShape: readonly number[], strides: number[][]): Walk {
  const collapsed = collapseAxes(outShape, strides);
  const shape = collapsed.shape;
  const merged = collapsed.strides;
  if (shape.length === 0) {
    shape.push(1);
    for (const m of merged) m.push(0);
  }
  const inner = shape[shape.length - 1];
  const outer = shape.slice(0, -1);
  const rows = sizeOf(outer);
  const rowOffsets = merged.map((s) => stridedOffsets(outer, s.slice(0, -1)));
  return { rows, inner, rowOffsets, innerStrides: merged.map((s) => s[s.length - 1]) };
}
