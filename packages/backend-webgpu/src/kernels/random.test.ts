import '@nabla/backend-cpu';
import '../index.js';
import { type Graph, type GraphNode, philoxUniform } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { firstDifference, runGraph, seeded } from '../test-utils/kernel-harness.js';

/** The random primitive against core's Philox reference, bit for bit. */
const GPU = 'webgpu';

/** One graph with a random node per size, all drawing from the same counter. */
function randomGraph(sizes: readonly number[]): Graph {
  const nodes = sizes.map((s) => ({ op: 'random', attrs: { shape: [s] }, inputs: [0], shape: [s], dtype: 'float32' }) as GraphNode);
  return { inputs: [{ shape: [4], dtype: 'int32' }], nodes, outputs: nodes.map((_, k) => 1 + k) };
}

async function expectReference(sizes: number[], counter: number[]): Promise<void> {
  const got = await runGraph(GPU, randomGraph(sizes), [Int32Array.from(counter)]);
  if (got instanceof Error) throw got;
  sizes.forEach((s, k) => {
    const want = philoxUniform(s, [counter[0], counter[1]], [counter[2], counter[3]]);
    expect(firstDifference(got[k], want), `size ${s}, counter [${counter}]`).toBeUndefined();
  });
}

describe('random', () => {
  const sizes = Array.from({ length: 1000 }, (_, i) => i + 1);

  it('matches philoxUniform for every size from 1 to 1000', async () => {
    await expectReference(sizes, [0x12345678, -0x789abcd, 7, 0]);
  });

  it('matches it for keys and offsets at the ends of the 32-bit range', async () => {
    const rand = seeded(11);
    const ends = [0, 1, -1, -2, 0x7fffffff, -0x80000000];
    for (let c = 0; c < 6; c++) {
      const key = [Math.floor((rand() - 0.5) * 2 ** 32), ends[c]];
      const offset = [ends[c], ends[(c + 3) % ends.length]];
      await expectReference([1, 3, 4, 5, 97, 1000], [...key, ...offset]);
    }
  });

  it('matches it past 2^16 blocks (the counter word grows) and over many workgroups', async () => {
    await expectReference([300_001], [-3, 99, -1, -1]);
  });

  it('gives an empty tensor for a size of 0', async () => {
    const got = await runGraph(GPU, randomGraph([0]), [Int32Array.from([1, 2, 3, 4])]);
    if (got instanceof Error) throw got;
    expect(got[0].length).toBe(0);
  });

  it('matches the CPU backend in a shape of rank 3', async () => {
    const graph: Graph = {
      inputs: [{ shape: [4], dtype: 'int32' }],
      nodes: [{ op: 'random', attrs: { shape: [3, 5, 7] }, inputs: [0], shape: [3, 5, 7], dtype: 'float32' }],
      outputs: [1],
    };
    const counter = [Int32Array.from([5, 6, -7, 8])];
    const cpu = await runGraph('cpu', graph, counter);
    const gpu = await runGraph(GPU, graph, counter);
    if (cpu instanceof Error || gpu instanceof Error) throw cpu instanceof Error ? cpu : gpu;
    expect(firstDifference(gpu[0], cpu[0])).toBeUndefined();
  });
});
