import '@nabla/backend-cpu';
import '../index.js';
import { type DType, type Graph, type GraphNode, sizeOf, type TypedArray } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { firstDifference, randomData, runGraph, seeded } from '../test-utils/kernel-harness.js';

/**
 * Movement kernels against the CPU backend, bit for bit, over random shapes of rank 0 to 6 with
 * empty and size-1 axes, in every dtype.
 */
const GPU = 'webgpu';
const DTYPES: DType[] = ['float32', 'int32', 'bool'];

type NodeSpec = Pick<GraphNode, 'op' | 'attrs' | 'shape'> & { dtype?: DType };

function graphOf(inputs: { shape: number[]; dtype: DType }[], node: NodeSpec): Graph {
  const n = { ...node, dtype: node.dtype ?? inputs[0].dtype, inputs: inputs.map((_, i) => i) } as GraphNode;
  return { inputs, nodes: [n], outputs: [inputs.length] };
}

async function expectSame(graph: Graph, data: TypedArray[], what: string): Promise<void> {
  const cpu = await runGraph('cpu', graph, data);
  const gpu = await runGraph(GPU, graph, data);
  if (cpu instanceof Error) throw cpu;
  if (gpu instanceof Error) throw new Error(`${what}: ${gpu.message}`);
  expect(firstDifference(gpu[0], cpu[0]), what).toBeUndefined();
}

/** A random shape of the rank, with 0 and 1 among the dims, at most `cap` elements. */
function randomShape(rand: () => number, rank: number, cap = 3000): number[] {
  const dims = [0, 1, 1, 2, 3, 4, 5, 7, 11];
  for (;;) {
    const shape = Array.from({ length: rank }, () => dims[Math.floor(rand() * dims.length)]);
    if (rand() < 0.05 && rank > 0) shape[Math.floor(rand() * rank)] = 0;
    if (sizeOf(shape) <= cap) return shape;
  }
}

const pick = <T>(rand: () => number, xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function shuffled(rand: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('transpose', () => {
  it('matches the CPU over random shapes, permutations and dtypes', async () => {
    const rand = seeded(1);
    for (let c = 0; c < 90; c++) {
      const rank = c % 7;
      const shape = randomShape(rand, rank);
      const perm = shuffled(rand, rank);
      const dtype = DTYPES[c % 3];
      const graph = graphOf([{ shape, dtype }], { op: 'transpose', attrs: { perm }, shape: perm.map((a) => shape[a]) });
      await expectSame(graph, [randomData(dtype, sizeOf(shape), rand)], `transpose ${dtype} [${shape}] by [${perm}]`);
    }
  });

  it('runs over a thousand workgroups', async () => {
    const rand = seeded(2);
    const shape = [300, 7, 130];
    const graph = graphOf([{ shape, dtype: 'float32' }], { op: 'transpose', attrs: { perm: [2, 0, 1] }, shape: [130, 300, 7] });
    await expectSame(graph, [randomData('float32', sizeOf(shape), rand)], 'large transpose');
  });
});

describe('slice', () => {
  it('matches the CPU over random windows', async () => {
    const rand = seeded(3);
    for (let c = 0; c < 90; c++) {
      const rank = c % 7;
      const shape = randomShape(rand, rank);
      const begin = shape.map((d) => int(rand, 0, d));
      // A third of the windows run to the end of every axis.
      const toEnd = rand() < 0.3;
      const size = shape.map((d, i) => (toEnd ? d - begin[i] : int(rand, 0, d - begin[i])));
      const dtype = DTYPES[c % 3];
      const graph = graphOf([{ shape, dtype }], { op: 'slice', attrs: { begin, size }, shape: size });
      await expectSame(graph, [randomData(dtype, sizeOf(shape), rand)], `slice ${dtype} [${shape}] at [${begin}] size [${size}]`);
    }
  });
});

describe('pad', () => {
  it('matches the CPU over random paddings and values, NaN and infinities included', async () => {
    const rand = seeded(4);
    const floatValues = [0, -1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 3.4e38, 1e-45];
    const intValues = [0, -7, 2147483647, -2147483648];
    for (let c = 0; c < 90; c++) {
      const rank = 1 + (c % 6);
      const shape = randomShape(rand, rank, 1500);
      const pads = shape.map(() => (rand() < 0.4 ? [0, 0] : [int(rand, 0, 3), int(rand, 0, 3)]) as [number, number]);
      const dtype = DTYPES[c % 3];
      const value = dtype === 'float32' ? pick(rand, floatValues) : dtype === 'int32' ? pick(rand, intValues) : pick(rand, [0, 1]);
      const out = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
      const graph = graphOf([{ shape, dtype }], { op: 'pad', attrs: { pads, value }, shape: out });
      await expectSame(graph, [randomData(dtype, sizeOf(shape), rand)], `pad ${dtype} [${shape}] by ${JSON.stringify(pads)} with ${value}`);
    }
  });
});

describe('concat', () => {
  it('matches the CPU over random operands, more than one pass can bind', async () => {
    const rand = seeded(5);
    for (let c = 0; c < 60; c++) {
      const rank = 1 + (c % 6);
      const base = randomShape(rand, rank, 400);
      const axis = int(rand, 0, rank - 1);
      // Up to 30 operands: past maxStorageBuffers, so several passes share the output.
      const count = c % 4 === 0 ? int(rand, 12, 30) : int(rand, 2, 5);
      const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === axis ? pick(rand, [0, 1, 2, 3]) : d)));
      const dtype = DTYPES[c % 3];
      const out = [...base];
      out[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
      const graph = graphOf(
        shapes.map((shape) => ({ shape, dtype })),
        { op: 'concat', attrs: { axis }, shape: out },
      );
      const data = shapes.map((s) => randomData(dtype, sizeOf(s), rand));
      await expectSame(graph, data, `concat ${dtype} of ${JSON.stringify(shapes)} on axis ${axis}`);
    }
  });

  it('binds one value as several operands (concat([x, x, x]))', async () => {
    const rand = seeded(6);
    const shape = [3, 4];
    const graph: Graph = {
      inputs: [{ shape, dtype: 'int32' }],
      nodes: [{ op: 'concat', attrs: { axis: 1 }, inputs: [0, 0, 0], shape: [3, 12], dtype: 'int32' }],
      outputs: [1],
    };
    await expectSame(graph, [randomData('int32', 12, rand)], 'concat of one value thrice');
  });
});
