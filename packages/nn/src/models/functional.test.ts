import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { loadModel } from '../io/load.js';
import { Dense } from '../layers/dense.js';
import { type CallContext, Layer } from '../layers/layer.js';
import { registerLayer } from '../layers/registry.js';
import { SGD } from '../optimizers/sgd.js';
import { Model } from './model.js';
import { input, type SymbolicTensor } from './symbolic.js';

/** Casts integer inputs to float: a functional model's integer input, packed beside a float one. */
class ToFloat extends Layer<nb.Tensor> {
  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return nb.cast(x, 'float32');
  }
}
registerLayer('ToFloat', ToFloat);

/** Two inputs, two outputs, one Dense shared by both branches. */
function twoByTwo(): { model: Model<SymbolicTensor[]>; shared: Dense } {
  const a = input({ shape: [3], name: 'a' });
  const b = input({ shape: [3], name: 'b' });
  const shared = new Dense(2, { name: 'shared', kernelInitializer: 'ones', biasInitializer: 'zeros' });
  const ya = new Dense(1, { name: 'out_a', kernelInitializer: 'ones' }).apply(shared.apply(a));
  const yb = shared.apply(b);
  return { model: new Model({ inputs: [a, b], outputs: [ya, yb], name: 'two' }), shared };
}

const xa = () =>
  nb.tensor([
    [1, 2, 3],
    [0, 1, 0],
  ]);
const xb = () =>
  nb.tensor([
    [1, 0, 0],
    [2, 2, 2],
  ]);

describe('the functional API', () => {
  test('a model of two inputs and two outputs with a shared layer computes what its graph says', async () => {
    const { model, shared } = twoByTwo();
    expect(model.inputNames).toEqual(['a', 'b']);
    expect(model.outputNames).toEqual(['out_a', 'shared']);
    expect(model.layers.map((l) => l.name)).toEqual(['shared', 'out_a']);
    expect(model.weights.length).toBe(4); // the shared layer's weights once
    const [pa, pb] = model.predict([xa(), xb()]);
    // shared = x·1 (both units), out_a = 2 * sum(x)
    expect(await pa.array()).toEqual([[12], [2]]);
    expect(await pb.array()).toEqual([
      [1, 1],
      [6, 6],
    ]);
    const byName = model.predict({ a: xa(), b: xb() });
    expect(await byName[1].array()).toEqual(await pb.array());
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Connected to/);
    expect(lines.join('\n')).toMatch(/shared \(Dense\)\s+\[null,2\]\s+8\s+a/);
    expect(lines.join('\n')).toMatch(/Total params: 11/);
    expect(shared.weights.length).toBe(2);
  });

  test('one SGD step with per-output losses and loss weights moves the weights as the gradient of the weighted sum says', async () => {
    const { model } = twoByTwo();
    const lr = 0.1;
    const ya = nb.tensor([[1], [0]]);
    const yb = nb.tensor([
      [0, 1],
      [1, 0],
    ]);
    const weights = model.weights;
    const before = weights.map((w) => w.value);
    // The expected update, from nb.grad of 1.0 * mse(out_a) + 0.5 * mae(shared) at the current weights.
    const lossOf = (p: nb.Tensor[]) => {
      const [k, bias, ka, ba] = p;
      const h = (x: nb.Tensor) => nb.add(nb.matmul(x, k), bias);
      const oa = nb.add(nb.matmul(h(xa()), ka), ba);
      const ob = h(xb());
      return nb.add(nb.mean(nb.square(nb.sub(oa, ya))), nb.mul(nb.mean(nb.abs(nb.sub(ob, yb))), 0.5));
    };
    const grads = nb.grad(lossOf)(before);
    const expected = await Promise.all(before.map((v, i) => nb.sub(v, nb.mul(grads[i], lr)).data()));
    const expectedLoss = (await lossOf(before).item()) as number;
    model.compile({ optimizer: new SGD(lr), loss: { out_a: 'meanSquaredError', shared: 'meanAbsoluteError' }, lossWeights: [1, 0.5] });
    const logs = await model.trainOnBatch([xa(), xb()], [ya, yb]);
    expect(Object.keys(logs)).toEqual(['loss', 'out_a_loss', 'shared_loss']);
    expect(logs.loss).toBeCloseTo(expectedLoss, 5);
    expect(logs.loss).toBeCloseTo(logs.out_a_loss + 0.5 * logs.shared_loss, 5);
    for (const [i, w] of weights.entries()) {
      const got = await w.value.data();
      for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(expected[i][j], 5);
    }
  });

  test('fit with data by name, per-output metrics and a validation split; evaluate agrees', async () => {
    const { model } = twoByTwo();
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: { out_a: ['meanAbsoluteError'], shared: [] } });
    const n = 16;
    const a = nb.randomUniform([n, 3], { seed: 1 });
    const b = nb.randomUniform([n, 3], { seed: 2 });
    const ya = nb.sum(a, 1, true);
    const yb = nb.concat([nb.sum(b, 1, true), nb.neg(nb.sum(b, 1, true))], 1);
    const history = await model.fit({ a, b }, { out_a: ya, shared: yb }, { epochs: 3, batchSize: 4, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(
      [
        'loss',
        'out_a_loss',
        'shared_loss',
        'out_a_meanAbsoluteError',
        'val_loss',
        'val_out_a_loss',
        'val_shared_loss',
        'val_out_a_meanAbsoluteError',
      ].sort(),
    );
    const r = await model.evaluate([a, b], [ya, yb], { batchSize: 8 });
    expect(r.loss).toBeCloseTo(r.out_a_loss + r.shared_loss, 5);
  });

  test('an integer input is packed beside a float one and cast back exactly; one out of float32 range is an error', async () => {
    const ids = input({ shape: [2], dtype: 'int32', name: 'ids' });
    const f = input({ shape: [2], name: 'f' });
    const y = new Dense(1, { kernelInitializer: 'ones', name: 'sum' }).apply(new ToFloat({ name: 'to_float' }).apply(ids));
    const y2 = new Dense(1, { kernelInitializer: 'ones', name: 'sum_f' }).apply(f);
    const model = new Model({ inputs: [ids, f], outputs: [y, y2] });
    model.compile({ optimizer: new SGD(0.01), loss: 'meanSquaredError' });
    const big = 16_777_217; // 2^24 + 1: not a float32
    const r = await model.evaluate([nb.tensor([[3, 4]], [1, 2], 'int32'), nb.tensor([[1, 1]])], [nb.tensor([[7]]), nb.tensor([[2]])]);
    expect(r.loss).toBe(0);
    await expect(
      model.evaluate([nb.tensor([[big, 0]], [1, 2], 'int32'), nb.tensor([[1, 1]])], [nb.tensor([[0]]), nb.tensor([[2]])]),
    ).rejects.toThrow(/ids holds 16777217; integer inputs of a model of several inputs or outputs must lie within ±2\^24/);
  });

  test('saves and loads: the graph, a shared layer once, the same predictions', async () => {
    const { model } = twoByTwo();
    model.compile({ optimizer: 'adam', loss: ['meanSquaredError', 'meanAbsoluteError'], lossWeights: { out_a: 2, shared: 1 } });
    await model.fit([xa(), xb()], [nb.tensor([[1], [0]]), nb.ones([2, 2])], { epochs: 2, verbose: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'nabla-functional-'));
    try {
      await model.save(join(dir, 'm'));
      const loaded = await loadModel<SymbolicTensor[]>(join(dir, 'm'));
      expect(loaded).toBeInstanceOf(Model);
      expect(loaded.className).toBe('Model');
      expect(loaded.layers.map((l) => l.name)).toEqual(['shared', 'out_a']);
      const [p0, p1] = loaded.predict([xa(), xb()]);
      const [q0, q1] = model.predict([xa(), xb()]);
      expect(await p0.data()).toEqual(await q0.data());
      expect(await p1.data()).toEqual(await q1.data());
      expect(loaded.compiled?.outputs.map((o) => [o.loss.name, o.weight])).toEqual([
        ['meanSquaredError', 2],
        ['meanAbsoluteError', 1],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('mistakes are errors that say what to do', () => {
    const a = input({ shape: [3], name: 'a' });
    const stray = input({ shape: [3], name: 'stray' });
    const d = new Dense(1);
    expect(() => new Model({ inputs: a, outputs: d.apply(stray) })).toThrow(/stray is an nn.input that is not among the model's inputs/);
    expect(() => new Model({ inputs: [a, a], outputs: d.apply(a) })).toThrow(/an input is listed twice/);
    expect(() => new Model({ inputs: a } as never)).toThrow(/needs \{ inputs, outputs \}/);
    expect(() => new Model({ inputs: a, outputs: nb.ones([1]) } as never)).toThrow(/outputs: a symbolic tensor/);
    expect(() => d.apply([a, nb.ones([1, 3])] as never)).toThrow(/not a mix/);
    expect(() => input({ shape: [0] })).toThrow(/positive integers/);
    const { model } = twoByTwo();
    expect(() => model.predict(xa())).toThrow(/the model has 2 inputs \(a, b\); give x as a list of 2 tensors/);
    expect(() => model.predict({ a: xa(), c: xb() })).toThrow(/x has no 'c'; the model's are a, b/);
    expect(() => model.predict([xa(), nb.ones([2, 4])])).toThrow(/input 'b' expects shape \[null,3\], got \[2,4\]/);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(() => model.packData('fit', [xa(), nb.ones([3, 3])], [nb.ones([2, 1]), nb.ones([2, 2])])).toThrow(
      /fit: x 'b' has 3 samples, the first input 2 \(shape \[3,3\]\)/,
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] })).toThrow(/give metrics per output/);
    expect(() => model.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow(/loss has 1 entries for 2 outputs/);
    expect(() => model.compile({ optimizer: 'sgd', loss: { nope: 'mse' } })).toThrow(/loss names 'nope', not an output of the model/);
  });
});
