import { type Graph, type GraphNode, graphValue } from './graph.js';
import { sizeOf, stridesOf } from './shape.js';

/**
 * Shape arithmetic every backend needs while compiling a graph, written once here so that the
 * backends agree on it: a matmul node's dimensions, and where each element of a broadcast or
 * strided view lies in its operand.
 */

/** A matmul node's dimensions: [batch, m, k] x [batch, k, n] -> [batch, m, n], batch 1 at rank 2. */
export interface MatmulDims {
  batch: number;
  m: number;
  n: number;
  k: number;
}

export function matmulDims(graph: Graph, node: Extract<GraphNode, { op: 'matmul' }>): MatmulDims {
  const [batch, m, n] = node.shape.length === 3 ? node.shape : [1, ...node.shape];
  const a = graphValue(graph, node.inputs[0]).shape;
  const k = node.attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
  return { batch, m, n, k };
}

/** An operand's strides against the output shape it broadcasts to (right-aligned; 0 where it broadcasts). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, i) => (i < lead || inShape[i - lead] === 1 ? 0 : own[i - lead]));
}

/**
 * The offset of every element of `shape`, in row-major order, for the given strides (one per
 * axis): with broadcastStrides, the operand element each output element reads.
 */
export function stridedOffsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const size = sizeOf(shape);
  const out = new Int32Array(size);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let p = 0; p < size; p++) {
    out[p] = off;
    // Advance the index like an odometer, the last axis fastest.
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += strides[ax];
      if (idx[ax] < shape[ax]) break;
      off -= strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Merges adjacent axes that every operand walks contiguously, and drops size-1 axes, so that a
 * bias add over [batch, features] is one row loop and most same-shape cases one flat loop (the
 * CPU's walks, the GPU's index arithmetic). `strides[k][i]` is operand k's step for axis i of
 * `shape` (0 where it broadcasts). A shape that collapses to nothing comes back as rank 0.
 */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const out: number[] = [];
  const merged: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === 1) continue; // size-1 axes never move an offset
    const last = out.length - 1;
    if (last >= 0 && strides.every((s, k) => merged[k][last] === s[i] * d)) {
      out[last] *= d;
      strides.forEach((s, k) => {
        merged[k][last] = s[i];
      });
    } else {
      out.push(d);
      strides.forEach((s, k) => {
        merged[k].push(s[i]);
      });
    }
  }
  return { shape: out, strides: merged };
}
