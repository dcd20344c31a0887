import { describe, expect, test } from 'vitest';
import { broadcastStrides, matmulDims, stridedOffsets } from './backend-shapes.js';
import type { Graph, GraphNode } from './graph.js';

describe('shape arithmetic for backends', () => {
  test('element offsets of a transposed view, a scalar and an empty shape', () => {
    expect(Array.from(stridedOffsets([3, 2], [1, 3]))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(stridedOffsets([], []))).toEqual([0]);
    expect(Array.from(stridedOffsets([2, 0, 3], [0, 3, 1]))).toEqual([]);
  });

  test('a broadcast operand reads the element its index maps to', () => {
    // [3,1] and [2] against [2,3,2]: strides 0 where an axis is missing or of size 1.
    expect(broadcastStrides([3, 1], [2, 3, 2])).toEqual([0, 1, 0]);
    expect(broadcastStrides([2], [2, 3, 2])).toEqual([0, 0, 1]);
    expect(Array.from(stridedOffsets([2, 3, 2], broadcastStrides([3, 1], [2, 3, 2])))).toEqual([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
  });

  test('matmul dimensions at rank 2 and 3, with and without transposes', () => {
    const node = (shape: number[], transposeA: boolean): Extract<GraphNode, { op: 'matmul' }> => ({
      op: 'matmul',
      attrs: { transposeA, transposeB: false },
      inputs: [0, 1],
      shape,
      dtype: 'float32',
    });
    const graph = (a: number[], b: number[], n: Extract<GraphNode, { op: 'matmul' }>): Graph => ({
      inputs: [
        { shape: a, dtype: 'float32' },
        { shape: b, dtype: 'float32' },
      ],
      nodes: [n],
      outputs: [2],
    });
    const plain = node([2, 5], false);
    expect(matmulDims(graph([2, 3], [3, 5], plain), plain)).toEqual({ batch: 1, m: 2, n: 5, k: 3 });
    const transposed = node([4, 2, 5], true);
    expect(matmulDims(graph([4, 3, 2], [4, 3, 5], transposed), transposed)).toEqual({ batch: 4, m: 2, n: 5, k: 3 });
  });
});
