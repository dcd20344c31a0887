import './index.js';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { LARGE_GRAPH, type OnnxBackend } from './backend.js';

type Executable = Parameters<OnnxBackend['run']>[0];

/**
 * A jitted chain of about `nodes` primitives of two small inputs, beside a matmul of 4.2 MFLOP
 * (above the work that runs optimized), and the executables it ran.
 */
function chain(backend: OnnxBackend, nodes: number) {
  const seen = new Set<Executable>();
  const run = backend.run.bind(backend);
  backend.run = async (exe, inputs) => {
    seen.add(exe);
    return run(exe, inputs);
  };
  const m = nb.ones([128, 128]);
  const f = nb.jit(({ a, b }: { a: nb.Tensor; b: nb.Tensor }) => {
    let y = a;
    for (let i = 0; i < nodes / 2; i++) y = nb.add(nb.mul(y, b), a);
    return { a: y, b: nb.neg(b), c: nb.sum(nb.matmul(m, m)) };
  });
  return { f, seen, restore: () => (backend.run = run), m };
}

describe.each(['onnx', 'onnx-wasm'])('large graphs on %s', (name) => {
  // The second call's inputs are views of the first call's packed outputs: a new input layout.
  test.each([
    [LARGE_GRAPH + 2, 1, 'disabled'],
    [100, 2, 'all'],
  ])('a graph of %i nodes fed in two layouts is compiled %i times (optimizations %s)', async (nodes, sessions, level) => {
    nb.setBackend(name);
    const backend = nb.getBackendInstance(name) as OnnxBackend;
    const { f, seen, restore, m } = chain(backend, nodes);
    try {
      const before = backend.sessionsCreated;
      const first = await f({ a: nb.tensor([0.5, 0.25]), b: nb.tensor([0.5, 0.5]) });
      const second = await f({ a: first.a, b: first.b });
      // y -> y/2 + a, from a = [0.5, 0.25] and y = a: converges to 2a; the second call negates b.
      expect(Array.from(await first.a.data())).toEqual([1, 0.5]);
      expect(Array.from(await second.b.data())).toEqual([0.5, 0.5]);
      expect(backend.sessionsCreated - before).toBe(sessions);
      const exe = [...seen].find((e) => e.graph.nodes.length >= nodes);
      expect(exe?.sessionOptions.graphOptimizationLevel).toBe(level);
      f.dispose();
      nb.dispose([first, second, m]);
    } finally {
      restore();
    }
  });
});

describe.each(['onnx', 'onnx-wasm'])('intra-op threads on %s', (name) => {
  /** The session options of the graph computing `fn` (realized lazily, one executable). */
  async function optionsOf(fn: () => nb.Tensor): Promise<Record<string, unknown>> {
    const backend = nb.getBackendInstance(name) as OnnxBackend;
    const compile = backend.compile.bind(backend);
    let exe: Executable | undefined;
    backend.compile = (graph) => {
      exe = compile(graph);
      return exe;
    };
    try {
      const y = fn();
      await y.data();
      y.dispose();
    } finally {
      backend.compile = compile;
    }
    return (exe as Executable).sessionOptions;
  }

  test('many small products (a recurrence) run on one thread; a large one on the default pool', async () => {
    nb.setBackend(name);
    // Shapes no other test uses, so that core's cache holds no executable for them yet.
    const h = nb.ones([31, 67]);
    const w = nb.ones([67, 67]);
    const many = await optionsOf(() => {
      // 40 products of 0.28 MFLOP: 11.1 MFLOP in all.
      let y = h;
      for (let i = 0; i < 40; i++) y = nb.tanh(nb.matmul(y, w));
      return nb.sum(y);
    });
    expect(many.intraOpNumThreads).toBe(1);
    const big = nb.ones([131, 127]);
    const one = await optionsOf(() => nb.sum(nb.matmul(big, big, false, true))); // 4.5 MFLOP
    expect(one.intraOpNumThreads).toBeUndefined();
    nb.dispose([h, w, big]);
  });
});
