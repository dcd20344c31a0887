import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import { Dense, Sequential } from '@nabla/nn';
import * as ortWeb from 'onnxruntime-web';
import { afterEach, describe, expect, test } from 'vitest';
import { OnnxBackend, type OrtModule, type OrtSession } from './backend.js';
import { IndexCheckBuilder, outOfRange } from './index-checks.js';
import { OnnxGraphBuilder } from './onnx/builder.js';
import './index.js';

afterEach(() => nb.setBackend('onnx'));

/** Every backend must raise the same error for the same call. */
async function errorOn(backend: string, f: () => nb.Tensor): Promise<string> {
  nb.setBackend(backend);
  try {
    const t = f();
    await t.data();
    t.dispose();
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
}

describe.each(['onnx', 'onnx-wasm'])('%s: indices are checked as on cpu', (name) => {
  const cases: [string, () => nb.Tensor, string][] = [
    [
      'a negative gather index (onnxruntime would wrap it)',
      () => nb.gather(nb.arange(4), [-1]),
      'gather: index -1 at position [0] is out of range for axis 0 of size 4',
    ],
    [
      'an index past the end (onnxruntime fails)',
      () => nb.gather(nb.arange(4), [0, 7]),
      'gather: index 7 at position [1] is out of range for axis 0 of size 4',
    ],
    [
      'an index of a gather along an inner axis',
      () =>
        nb.gather(
          nb.ones([2, 3]),
          nb.tensor(
            [
              [0, 1],
              [2, 3],
            ],
            [2, 2],
            'int32',
          ),
          1,
        ),
      'gather: index 3 at position [1,1] is out of range for axis 1 of size 3',
    ],
    [
      "a gather's gradient (a scatterAdd)",
      () => nb.grad((x: nb.Tensor) => nb.sum(nb.gather(x, [1, -2])))(nb.ones([4])),
      'gather: index -2 at position [1] is out of range for axis 0 of size 4',
    ],
    [
      'a label of another row (in range of the flattened tensor)',
      () => nb.takeAlongLastAxis(nb.ones([2, 3]), [3, 0]),
      'takeAlongLastAxis: index 3 at position [0] is out of range for axis -1 of size 3',
    ],
    [
      'an index computed in the graph',
      () => nb.gather(nb.arange(4), nb.sub(nb.tensor([1, 2, 3], [3], 'int32'), 2)),
      'gather: index -1 at position [0] is out of range for axis 0 of size 4',
    ],
  ];
  test.each(cases)('%s', async (_what, f, message) => {
    expect(await errorOn('cpu', f)).toBe(message);
    expect(await errorOn(name, f)).toBe(message);
  });

  test('edge indices 0 and n-1 and empty index lists work', async () => {
    nb.setBackend(name);
    expect(Array.from(await nb.gather(nb.arange(4), [3, 0, 3]).data())).toEqual([3, 0, 3]);
    expect((await nb.gather(nb.arange(4), nb.tensor([], [0], 'int32')).data()).length).toBe(0);
    const g = nb.grad((x: nb.Tensor) => nb.sum(nb.gather(x, [3, 0, 3])))(nb.zeros([4]));
    expect(Array.from(await g.data())).toEqual([1, 0, 0, 2]);
  });

  test('constant indices of a compiled function are checked once, when it is compiled', async () => {
    nb.setBackend(name);
    const bad = nb.tensor([0, 4], [2], 'int32');
    const f = nb.jit(({ x }: { x: nb.Tensor }) => nb.gather(x, bad));
    await expect(f({ x: nb.arange(4) })).rejects.toThrow('gather: index 4 at position [1] is out of range for axis 0 of size 4');
    f.dispose();
    const good = nb.tensor([0, 3], [2], 'int32');
    const g = nb.jit(({ x }: { x: nb.Tensor }) => nb.gather(x, good));
    expect(Array.from(await (await g({ x: nb.arange(4) })).data())).toEqual([0, 3]);
    g.dispose();
  });

  test('fit fails on a label out of range, naming it, and trains on good labels (its batch gather raises no false alarm)', async () => {
    nb.setBackend(name);
    const x = nb.randomUniform([8, 2], { seed: 3 });
    const model = new Sequential([new Dense(3, { inputDim: 2, activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const good = nb.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32');
    const history = await model.fit(x, good, { epochs: 2, batchSize: 3, verbose: 0, shuffle: false });
    expect(history.history.loss.every((l) => Number.isFinite(l))).toBe(true);
    const bad = nb.tensor([0, 1, 2, 0, 5, 2, 0, 1], [8], 'int32');
    // Labels in memory are checked on the host before the first step, by their place in y.
    await expect(model.fit(x, bad, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false })).rejects.toThrow(
      "fit: y[4] is 5, out of range for sparseCategoricalCrossentropy's 3 classes",
    );
    // Streamed batches reach the compiled step, whose check names the label and the batch.
    const batches = function* () {
      yield { xs: nb.slice(x, [0, 0], [4, 2]), ys: nb.slice(bad, [0], [4]) };
      yield { xs: nb.slice(x, [4, 0], [4, 2]), ys: nb.slice(bad, [4], [4]) };
    };
    await expect(model.fit(batches, { epochs: 1, verbose: 0 })).rejects.toThrow(
      'sparseCategoricalCrossentropy: label 5 at position [0] is out of range for 3 classes (fit: in batch 2 of epoch 1)',
    );
    model.dispose();
    nb.dispose([x, good, bad]);
  });
});

test('an onnxruntime failure that no index explains names the nabla op whose node failed', async () => {
  // A runtime whose sessions fail as onnxruntime does, naming node 0.
  const failing: OrtModule = {
    Tensor: ortWeb.Tensor as unknown as OrtModule['Tensor'],
    InferenceSession: {
      create: async (): Promise<OrtSession> => ({
        run: () => Promise.reject(new Error("Non-zero status code returned while running Neg node. Name:'n0_Neg'")),
      }),
    },
  };
  nb.registerBackend('onnx-failing', () => new OnnxBackend('onnx-failing', failing));
  nb.setBackend('onnx-failing');
  await expect(nb.neg(nb.tensor([1, 2])).data()).rejects.toThrow(/onnx: running the graph failed in nabla op 'neg'/);
  // With a gather whose indices are in range, the failure is still onnxruntime's.
  await expect(nb.neg(nb.gather(nb.tensor([1, 2]), [1])).data()).rejects.toThrow(/onnx: running the graph failed in nabla op/);
});

test('extremes read back in float32 never let a bad index pass, even past 2^24', () => {
  // gather from an axis of 2^24 + 1: its output is float32, so the extremes come back in float32,
  // where the bad index n = 2^24 + 1 rounds down to 2^24.
  const n = 2 ** 24 + 1;
  const gather = {
    op: 'gather',
    attrs: { axis: 0, check: { op: 'gather', what: 'index', range: `axis 0 of size ${n}` } },
    inputs: [0, 1],
    shape: [1],
    dtype: 'float32',
  };
  const graph = {
    inputs: [
      { shape: [n], dtype: 'float32' },
      { shape: [1], dtype: 'int32' },
    ],
    nodes: [gather],
    outputs: [2],
  } as nb.Graph;
  const b = new OnnxGraphBuilder();
  const builder = new IndexCheckBuilder(b, graph);
  builder.add(graph.nodes[0], b.input('i', 'int32', [1]), [1], undefined);
  const { checks, values } = builder.finish();
  expect(values.map((v) => v.dtype)).toEqual(['float32', 'float32']);
  const extremes = (index: number) => (i: number) => (i === checks[0].min || i === checks[0].max ? Math.fround(index) : Number.NaN);
  expect(outOfRange(checks, extremes(n))).toBe(true); // fl(n) = 2^24: caught
  expect(outOfRange(checks, extremes(-1))).toBe(true);
  expect(outOfRange(checks, extremes(2 ** 24 - 1))).toBe(false);
});
