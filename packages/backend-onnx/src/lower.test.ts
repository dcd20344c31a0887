import type { Graph, GraphNode } from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { lowerGraph } from './lower.js';
import { OnnxGraphBuilder } from './onnx/builder.js';
import { sameUpToLeadingOnes } from './shapes.js';

const node = (op: string, attrs: object, inputs: number[], shape: number[]) =>
  ({ op, attrs, inputs, shape, dtype: 'float32' }) as GraphNode;

function opsOf(graph: Graph): string[] {
  const b = new OnnxGraphBuilder();
  lowerGraph(graph, () => b);
  return b.liveOpTypes;
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

  test('reshapes emit nothing until an op needs the exact shape; elementwise ops take leading 1s as they are', () => {
    const graph: Graph = {
      inputs: [{ shape: [1, 2, 3], dtype: 'float32' }],
      nodes: [
        node('reshape', { shape: [2, 3] }, [0], [2, 3]), // 1
        node('unary', { fn: 'neg' }, [1], [2, 3]), // 2
        node('reshape', { shape: [1, 1, 2, 3] }, [2], [1, 1, 2, 3]), // 3
        node('binary', { fn: 'add' }, [3, 1], [1, 1, 2, 3]), // 4
        node('reduce', { fn: 'sum', axes: [3] }, [4], [1, 1, 2, 1]), // 5: needs rank 4
        node('reshape', { shape: [2, 1] }, [0], [2, 1]), // 6: not a leading 1
      ],
      outputs: [5],
    };
    expect(opsOf(graph)).toEqual(['Neg', 'Add', 'Reshape', 'ReduceSum']);
  });

  test('a reduction to one element reads its operand in any shape', () => {
    const graph: Graph = {
      inputs: [{ shape: [4, 1], dtype: 'float32' }],
      nodes: [
        node('reshape', { shape: [4] }, [0], [4]), // 1
        node('reduce', { fn: 'sum', axes: [0] }, [1], [1]), // 2
        node('reduce', { fn: 'max', axes: [0] }, [1], [1]), // 3
      ],
      outputs: [2, 3],
    };
    // A float max is NaN where any reduced element is (onnxruntime's ReduceMax sees only a first NaN).
    expect(opsOf(graph)).toEqual(['ReduceSum', 'ReduceMax', 'IsNaN', 'ReduceMax', 'Where', 'Concat']);
  });

  test('slices and concatenations work along axes from the end; packing reads the parts back', () => {
    // A flat optimizer update: two [1,1] gradients concatenated, scaled, split into the parameters.
    const graph: Graph = {
      inputs: [
        { shape: [1, 1], dtype: 'float32' },
        { shape: [1, 1], dtype: 'float32' },
        { shape: [], dtype: 'float32' },
      ],
      nodes: [
        node('reshape', { shape: [1] }, [0], [1]), // 3
        node('reshape', { shape: [1] }, [1], [1]), // 4
        node('concat', { axis: 0 }, [3, 4], [2]), // 5
        node('binary', { fn: 'mul' }, [5, 2], [2]), // 6
        node('slice', { begin: [0], size: [1] }, [6], [1]), // 7
        node('slice', { begin: [1], size: [1] }, [6], [1]), // 8
        node('reshape', { shape: [1, 1] }, [7], [1, 1]), // 9
      ],
      outputs: [9, 8, 5],
    };
    // The packed output is Concat(product, gradient, gradient): the slices and their reshapes go.
    expect(opsOf(graph)).toEqual(['Concat', 'Mul', 'Concat']);
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

  test('constants fold where the host computes exactly what onnxruntime would', () => {
    const c = (v: number) => ({ shape: [], dtype: 'float32' as const, value: new Float32Array([v]) });
    const graph: Graph = {
      inputs: [{ shape: [3, 1], dtype: 'float32' }, c(1), c(10), c(2)],
      nodes: [
        node('binary', { fn: 'div' }, [1, 2], []), // 4: 1/10
        node('reshape', { shape: [1, 1] }, [4], [1, 1]), // 5
        node('expand', { shape: [3, 1] }, [5], [3, 1]), // 6
        node('binary', { fn: 'mul' }, [6, 3], [3, 1]), // 7: 0.2 three times
        node('binary', { fn: 'mul' }, [7, 0], [3, 1]), // 8: reads the fed input
        node('unary', { fn: 'exp' }, [3], []), // 9: not exact on the host
        node('binary', { fn: 'add' }, [8, 9], [3, 1]), // 10
      ],
      outputs: [10],
    };
    expect(opsOf(graph)).toEqual(['Mul', 'Exp', 'Add']);
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
