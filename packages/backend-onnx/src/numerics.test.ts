import type { DType, Graph, GraphNode } from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { lowerGraph } from './lower.js';
import { OnnxGraphBuilder } from './onnx/builder.js';

/** The ONNX op types one node lowers to, its operands fed as inputs. */
function opsOf(node: Omit<GraphNode, 'inputs'>, operands: { shape: number[]; dtype: DType }[]): string[] {
  const graph: Graph = {
    inputs: operands,
    nodes: [{ ...node, inputs: operands.map((_, i) => i) } as GraphNode],
    outputs: [operands.length],
  };
  const b = new OnnxGraphBuilder();
  lowerGraph(graph, () => b);
  return b.liveOpTypes;
}

const f32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });
const i32 = (shape: number[]) => ({ shape, dtype: 'int32' as const });

describe('NaN and int32 lowerings cost nodes only where onnxruntime answers otherwise', () => {
  test('a float max reduction adds a NaN mask; an int32 max, float sums and products do not', () => {
    const reduce = (fn: string, dtype: DType) => ({ op: 'reduce', attrs: { fn, axes: [1] }, shape: [2, 1], dtype });
    expect(opsOf(reduce('max', 'float32') as never, [f32([2, 3])])).toEqual(['ReduceMax', 'IsNaN', 'ReduceMax', 'Where']);
    expect(opsOf(reduce('max', 'int32') as never, [i32([2, 3])])).toEqual(['ReduceMax']);
    expect(opsOf(reduce('sum', 'float32') as never, [f32([2, 3])])).toEqual(['ReduceSum']);
    expect(opsOf(reduce('prod', 'float32') as never, [f32([2, 3])])).toEqual(['ReduceProd']);
  });

  test('int32 sums go through int64; int32 products are a tree of Mul', () => {
    const reduce = (fn: string) => ({ op: 'reduce', attrs: { fn, axes: [1] }, shape: [2, 1], dtype: 'int32' });
    expect(opsOf(reduce('sum') as never, [i32([2, 3])])).toEqual(['Cast', 'ReduceSum', 'Cast']);
    // Length 3: padded to 4, halved twice.
    expect(opsOf(reduce('prod') as never, [i32([2, 3])])).toEqual(['Pad', 'Slice', 'Slice', 'Mul', 'Slice', 'Slice', 'Mul']);
  });

  test('casts: only float to int32 is clipped; int32 to float and float to bool stay one Cast', () => {
    const cast = (dtype: DType) => ({ op: 'cast', attrs: { dtype }, shape: [3], dtype });
    expect(opsOf(cast('int32') as never, [f32([3])])).toEqual(['Shrink', 'Cast', 'Clip', 'Cast']);
    expect(opsOf(cast('int32') as never, [{ shape: [3], dtype: 'float64' }])).toEqual(['IsNaN', 'Clip', 'Cast', 'Where']);
    expect(opsOf(cast('float32') as never, [i32([3])])).toEqual(['Cast']);
    expect(opsOf(cast('bool') as never, [f32([3])])).toEqual(['Cast']);
  });

  test('argMax of int32 is ArgMax and a Cast; of floats it also finds the first NaN', () => {
    const argMax = { op: 'argMax', attrs: { axis: 0 }, shape: [1], dtype: 'int32' };
    expect(opsOf(argMax as never, [i32([4])])).toEqual(['ArgMax', 'Cast']);
    expect(opsOf(argMax as never, [f32([4])])).toEqual(['ArgMax', 'IsNaN', 'Cast', 'ArgMax', 'ReduceMax', 'Where', 'Cast']);
  });

  test('float maximum and minimum stay one node (onnxruntime propagates NaN there)', () => {
    const binary = (fn: string) => ({ op: 'binary', attrs: { fn }, shape: [3], dtype: 'float32' });
    expect(opsOf(binary('maximum') as never, [f32([3]), f32([3])])).toEqual(['Max']);
    expect(opsOf(binary('minimum') as never, [f32([3]), f32([3])])).toEqual(['Min']);
  });

  test('float pow is one Pow; int32 pow is square-and-multiply over 31 bits', () => {
    const pow = (dtype: DType) => ({ op: 'binary', attrs: { fn: 'pow' }, shape: [3], dtype });
    expect(opsOf(pow('float32') as never, [f32([3]), f32([3])])).toEqual(['Pow']);
    const ops = opsOf(pow('int32') as never, [i32([3]), i32([3])]);
    expect(ops.filter((o) => o === 'BitwiseAnd')).toHaveLength(31);
    expect(ops).not.toContain('Pow');
  });
});
