import type { Graph, GraphNode } from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { lowerGraph } from './lower.js';
import { type Attr, OnnxGraphBuilder } from './onnx/builder.js';
import { sameUpToLeadingOnes } from './shapes.js';

/** A builder that remembers the op type of every node it adds. */
class RecordingBuilder extends OnnxGraphBuilder {
  readonly ops: string[] = [];
  override node(opType: string, inputs: string[], attrs?: Record<string, Attr>, outputs = 1): string[] {
    this.ops.push(opType);
    return super.node(opType, inputs, attrs, outputs);
  }
}

const node = (op: string, attrs: object, inputs: number[], shape: number[]) =>
  ({ op, attrs, inputs, shape, dtype: 'float32' }) as GraphNode;

function opsOf(graph: Graph): string[] {
  const b = new RecordingBuilder();
  lowerGraph(graph, () => b);
  return b.ops;
}

describe('lowering', () => {
  test('shapes equal up to leading 1s', () => {
    expect(sameUpToLeadingOnes([1, 1], [])).toBe(true);
    expect(sameUpToLeadingOnes([1, 3], [3])).toBe(true);
    expect(sameUpToLeadingOnes([3], [1, 1, 3])).toBe(true);
    expect(sameUpToLeadingOnes([3, 1], [3])).toBe(false); // a trailing 1 changes how it broadcasts
    expect(sameUpToLeadingOnes([2, 3], [3, 2])).toBe(false);
    expect(sameUpToLeadingOnes([0], [1, 0])).toBe(true);
  });

  test('reshapes that only add or drop leading 1s emit nothing until an op needs the exact shape', () => {
    const graph: Graph = {
      inputs: [{ shape: [1, 3], dtype: 'float32' }],
      nodes: [
        node('reshape', { shape: [3] }, [0], [3]), // 1
        node('unary', { fn: 'neg' }, [1], [3]), // 2
        node('reshape', { shape: [1, 1, 3] }, [2], [1, 1, 3]), // 3
        node('binary', { fn: 'add' }, [3, 1], [1, 1, 3]), // 4
        node('reduce', { fn: 'sum', axes: [2] }, [4], [1, 1, 1]), // 5: needs rank 3
      ],
      outputs: [5],
    };
    expect(opsOf(graph)).toEqual(['Neg', 'Add', 'Reshape', 'ReduceSum']);
  });

  test('a trailing 1 is a real reshape', () => {
    const graph: Graph = {
      inputs: [{ shape: [3], dtype: 'float32' }],
      nodes: [node('reshape', { shape: [3, 1] }, [0], [3, 1])],
      outputs: [1],
    };
    expect(opsOf(graph)).toEqual(['Reshape']);
  });

  test('small outputs are packed by one Concat, reshaping only values of another rank', () => {
    const graph: Graph = {
      inputs: [{ shape: [2, 1], dtype: 'float32' }],
      nodes: [
        node('unary', { fn: 'neg' }, [0], [2, 1]), // 1
        node('unary', { fn: 'exp' }, [0], [2, 1]), // 2
        node('reshape', { shape: [2] }, [0], [2]), // 3: a real reshape
        node('unary', { fn: 'abs' }, [3], [2]), // 4
      ],
      outputs: [1, 2, 4],
    };
    // [2,1], [2,1] and [2]: the last joins the first two as [2,1] (which is where it came from).
    expect(opsOf(graph)).toEqual(['Neg', 'Exp', 'Reshape', 'Abs', 'Reshape', 'Concat']);
  });

  test('a product with inner dimension 1 is a broadcast Mul', () => {
    const graph: Graph = {
      inputs: [
        { shape: [3, 1], dtype: 'float32' },
        { shape: [1, 2], dtype: 'float32' },
      ],
      nodes: [node('matmul', { transposeA: false, transposeB: false }, [0, 1], [3, 2])],
      outputs: [2],
    };
    expect(opsOf(graph)).toEqual(['Mul']);
  });
});
