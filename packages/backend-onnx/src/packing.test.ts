import './index.js';
import * as nb from '@nabla/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MAX_LAYOUTS, type OnnxBackend } from './backend.js';
import { InputGrouper, PACK_LIMIT, PackedView } from './packing.js';

/** Records what each backend.run returned, to see which outputs share one onnxruntime tensor. */
function spyOnRuns(backend: OnnxBackend) {
  type Executable = Parameters<OnnxBackend['run']>[0];
  const runs: { exe: Executable; out: Awaited<ReturnType<OnnxBackend['run']>> }[] = [];
  const run = backend.run.bind(backend);
  backend.run = async (exe, inputs) => {
    const out = await run(exe, inputs);
    runs.push({ exe, out });
    return out;
  };
  return { runs, restore: () => (backend.run = run) };
}
/** The memory a buffer lies in (a packed output's views share one). */
const bufferOf = (t: { data: unknown }) => (t.data as Float32Array).buffer;

describe.each(['onnx', 'onnx-wasm'])('packing small values on %s', (name) => {
  let backend: OnnxBackend;
  let spy: ReturnType<typeof spyOnRuns>;
  beforeEach(() => {
    nb.setBackend(name);
    backend = nb.getBackendInstance(name) as OnnxBackend;
    spy = spyOnRuns(backend);
  });
  afterEach(() => spy.restore());

  test('small outputs of one dtype come back as views of one tensor; large ones on their own', async () => {
    const x = nb.tensor([1, 2, 3]);
    const big = nb.add(nb.zeros([PACK_LIMIT + 1]), 1);
    const [a, b, c, i, j] = [nb.mul(x, 2), nb.sum(x), nb.reshape(nb.sub(x, 1), [3, 1]), nb.argMax(x), nb.cast(x, 'int32')];
    await nb.realize(a, b, c, i, j, big);
    const { out } = spy.runs.at(-1) as (typeof spy.runs)[number];
    expect(out).toHaveLength(6);
    expect(new Set(out.slice(0, 3).map(bufferOf)).size).toBe(1); // float32: a, b, c
    expect(bufferOf(out[3])).toBe(bufferOf(out[4])); // int32: i, j
    expect(bufferOf(out[5])).not.toBe(bufferOf(out[0]));
    expect(await a.data()).toEqual(Float32Array.from([2, 4, 6]));
    expect(await b.data()).toEqual(Float32Array.from([6]));
    expect(await c.array()).toEqual([[0], [1], [2]]);
    expect(await i.item()).toBe(2);
    expect(await j.data()).toEqual(Int32Array.from([1, 2, 3]));
    expect((await big.data()).every((v) => v === 1)).toBe(true);
    nb.dispose([x, big, a, b, c, i, j]);
  });

  test('views of one packed tensor are fed back as one input: repeats, gaps and scalars included', async () => {
    const x = nb.tensor([1, 2, 3, 4]);
    const [s, unused, v, m] = [nb.sum(x), nb.mul(x, 10), nb.neg(x), nb.reshape(x, [2, 2])];
    await nb.realize(s, unused, v, m);
    const sessions = backend.sessionsCreated;
    // s (a scalar) twice, v and m; `unused` lies between them in the packed tensor.
    const f = (s: nb.Tensor, v: nb.Tensor, m: nb.Tensor) => nb.add(nb.add(nb.mul(s, s), v), nb.reshape(m, [4]));
    const y = f(s, v, m);
    expect(await y.data()).toEqual(Float32Array.from([100, 100, 100, 100]));
    expect(backend.sessionsCreated).toBe(sessions + 1);
    // The same graph on views laid out the same way reuses its session.
    const x2 = nb.tensor([2, 2, 2, 2]);
    const [s2, unused2, v2, m2] = [nb.sum(x2), nb.mul(x2, 10), nb.neg(x2), nb.reshape(x2, [2, 2])];
    await nb.realize(s2, unused2, v2, m2);
    const before = backend.sessionsCreated;
    const y2 = f(s2, v2, m2);
    expect(await y2.data()).toEqual(Float32Array.from([64, 64, 64, 64]));
    expect(backend.sessionsCreated).toBe(before);
    nb.dispose([x, s, unused, v, m, y, x2, s2, unused2, v2, m2, y2]);
  });

  test('a graph fed in ever new layouts stops compiling and feeds its inputs one by one', async () => {
    const made: nb.Tensor[] = [];
    for (let k = 0; k < 8; k++) {
      // k + 1 small values packed between the operands put them a new distance apart in every round.
      const pads = Array.from({ length: k + 1 }, (_, i) => nb.mul(nb.tensor([i]), 1));
      const [a, b] = [nb.add(nb.tensor([k, k]), 1), nb.mul(nb.tensor([1, 1]), 1)];
      await nb.realize(a, ...pads, b);
      const y = nb.sub(a, b);
      expect(Array.from(await y.data())).toEqual([k, k]);
      made.push(...pads, a, b, y);
    }
    const sub = spy.runs.find(({ exe: { graph } }) => graph.nodes.length === 1 && graph.nodes[0].label === 'sub');
    expect(sub?.exe.sessions.size).toBe(MAX_LAYOUTS + 1); // the ungrouped layout is the fallback
    nb.dispose(made);
  });
});

describe('InputGrouper', () => {
  const graph: nb.Graph = {
    inputs: [
      { shape: [2], dtype: 'float32' },
      { shape: [], dtype: 'float32' },
      { shape: [1, 2], dtype: 'float32' },
    ],
    nodes: [],
    outputs: [],
  };
  const views = (packed: Float32Array, offsets: number[]) =>
    offsets.map((o, i) => new PackedView(packed, o, 'float32', graph.inputs[i].shape));

  test('groups views of one packed output, and regroups only when the pattern changes', () => {
    const grouper = new InputGrouper(graph);
    const first = views(Float32Array.from([0, 1, 2, 3, 4, 5, 6]), [1, 3, 5]);
    const a = grouper.group((i) => first[i]);
    expect(a.layout.groups).toEqual([
      {
        dtype: 'float32',
        length: 6,
        members: [
          { input: 0, offset: 0 },
          { input: 1, offset: 2 },
          { input: 2, offset: 4 },
        ],
      },
    ]);
    expect(Array.from(a.spans[0])).toEqual([1, 2, 3, 4, 5, 6]);
    // The next step: a new packed output, the same places: the same layout, the new data.
    const next = views(Float32Array.from([9, 8, 7, 6, 5, 4, 3]), [1, 3, 5]);
    const b = grouper.group((i) => next[i]);
    expect(b.layout).toBe(a.layout);
    expect(Array.from(b.spans[0])).toEqual([8, 7, 6, 5, 4, 3]);
    // Input 1 now comes from elsewhere: only 0 and 2 are grouped.
    const mixed = [next[0], new PackedView(new Float32Array(1), 0, 'float32', []), next[2]];
    const c = grouper.group((i) => mixed[i]);
    expect(c.layout.groups.map((g) => g.members.map((m) => m.input))).toEqual([[0, 2]]);
    expect(c.layout.key).not.toBe(a.layout.key);
  });
});
