import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import type { Graph, GraphNode } from '../graph.js';
import * as nb from '../index.js';
import { simplify } from './simplify.js';

const f32 = (shape: number[], value?: number[]) => ({
  shape,
  dtype: 'float32' as const,
  ...(value ? { value: Float32Array.from(value) } : {}),
});
const node = (op: string, attrs: object, inputs: number[], shape: number[]) =>
  ({ op, attrs, inputs, shape, dtype: 'float32' }) as GraphNode;

describe('simplify', () => {
  test('equal constants merge, and so do the nodes that read them', () => {
    // x * 0.5 and x * 0.5 again, through two equal constants; then their sum.
    const graph: Graph = {
      inputs: [f32([3]), f32([], [0.5]), f32([], [0.5])],
      nodes: [
        node('binary', { fn: 'mul' }, [0, 1], [3]),
        node('binary', { fn: 'mul' }, [0, 2], [3]),
        node('binary', { fn: 'add' }, [3, 4], [3]),
      ],
      outputs: [5],
    };
    const s = simplify(graph);
    expect(s.nodes.map((n) => n.inputs)).toEqual([
      [0, 1],
      [3, 3],
    ]);
    expect(s.outputs).toEqual([4]);
    expect(s.inputs).toBe(graph.inputs); // inputs keep their places: the caller feeds the same buffers
  });

  test('nodes that return their operand go, and what only they read with them', () => {
    const graph: Graph = {
      inputs: [f32([2, 1]), f32([], [1]), f32([], [0])],
      nodes: [
        node('reduce', { fn: 'sum', axes: [1] }, [0], [2, 1]), // 3: over an axis of size 1
        node('binary', { fn: 'div' }, [3, 1], [2, 1]), // 4: / 1
        node('binary', { fn: 'mul' }, [1, 4], [2, 1]), // 5: 1 *
        node('binary', { fn: 'sub' }, [5, 2], [2, 1]), // 6: - 0
        node('reshape', { shape: [2] }, [6], [2]), // 7
        node('reshape', { shape: [1, 2] }, [7], [1, 2]), // 8: a reshape of a reshape
        node('transpose', { perm: [0, 1] }, [8], [1, 2]), // 9
        node('binary', { fn: 'mul' }, [0, 1], [2, 1]), // 10: x * 1, read by nobody
      ],
      outputs: [9, 4],
    };
    const s = simplify(graph);
    expect(s.nodes).toEqual([node('reshape', { shape: [1, 2] }, [0], [1, 2])]);
    expect(s.outputs).toEqual([3, 0]);
  });

  test('keeps what changes values or shapes: broadcasting by a one, other constants, add of zero', () => {
    const graph: Graph = {
      inputs: [f32([2]), f32([3, 2], [1, 1, 1, 1, 1, 1]), f32([], [2]), f32([], [0])],
      nodes: [
        node('binary', { fn: 'mul' }, [0, 1], [3, 2]), // broadcasts: not x
        node('binary', { fn: 'div' }, [0, 2], [2]),
        node('binary', { fn: 'add' }, [0, 3], [2]), // -0 + 0 is +0: not x
      ],
      outputs: [4, 5, 6],
    };
    expect(simplify(graph).nodes).toHaveLength(3);
  });

  test('a jitted function computes the same values with fewer nodes', async () => {
    const backend = nb.getBackendInstance('cpu');
    const compile = backend.compile.bind(backend);
    let compiled: Graph | undefined;
    backend.compile = (g: Graph) => {
      compiled = g;
      return compile(g);
    };
    try {
      // A loss and the same metric, each a mean of means over an axis of size 1.
      const mse = (a: nb.Tensor, b: nb.Tensor) => nb.mean(nb.mean(nb.square(nb.sub(a, b)), { axis: -1 }));
      const fn = ({ a, b }: { a: nb.Tensor; b: nb.Tensor }) => nb.stack([mse(a, b), mse(a, b)]);
      const args = { a: nb.tensor([[1], [2], [4]]), b: nb.tensor([[0], [0], [0]]) };
      const eager = await fn(args).data();
      const jitted = await nb.jit(fn)(args);
      expect(await jitted.data()).toEqual(eager);
      expect(eager).toEqual(Float32Array.from([7, 7]));
      const ops = (compiled as Graph).nodes.map((n) => n.op);
      expect(ops.filter((op) => op === 'reduce')).toHaveLength(1); // one sum over the batch, once
    } finally {
      backend.compile = compile;
    }
  });
});

test('attributes JSON cannot tell apart (infinities, -0) make different nodes and executables', async () => {
  const x = nb.tensor([1, 2]);
  const values = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
  const firsts = [];
  for (const v of values) firsts.push((await nb.pad(x, [[1, 0]], v).data())[0]);
  expect(firsts.slice(0, 2)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  expect(Object.is(firsts[2], -0)).toBe(true);
  expect(Object.is(firsts[3], 0)).toBe(true);
  // One graph holding all of them: no two merged.
  const all = await nb.stack(values.map((v) => nb.pad(x, [[1, 0]], v))).data();
  expect([all[0], all[3]]).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  expect(Object.is(all[6], -0) && Object.is(all[9], 0)).toBe(true);
});
