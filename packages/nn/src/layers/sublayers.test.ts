import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { loadModel } from '../io/load.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from './dense.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { registerLayer } from './registry.js';

/**
 * A custom layer made of other layers, as a user writes one: a residual block x + W2(relu(W1 x))
 * whose Dense layers are sublayers (addSublayer), plus a weight of its own.
 */
class Residual extends Layer<nb.Tensor> {
  readonly hidden: Dense;
  out?: Dense;
  gate?: ReturnType<Layer['addWeight']>;
  constructor(args: LayerArgs = {}) {
    super(args);
    this.hidden = this.addSublayer(new Dense(3, { activation: 'relu', name: `${this.name}/hidden` }));
  }
  override build(inputShape: LayerShape): void {
    const d = inputShape[inputShape.length - 1] as number;
    this.gate = this.addWeight('gate', [], { initializer: 'ones' });
    this.out = this.addSublayer(new Dense(d, { name: `${this.name}/out` }));
    this.hidden.build(inputShape);
    this.out.build([...inputShape.slice(0, -1), 3]);
    super.build(inputShape);
  }
  override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    const y = (this.out as Dense).apply(this.hidden.apply(x, ctx), ctx);
    return nb.add(x, nb.mul(y, (this.gate as NonNullable<Residual['gate']>).value));
  }
}
registerLayer('TestResidual', Residual);

test("a layer's sublayers: their weights are its own (after its own), fit trains them, freezing it freezes them, it saves and loads", async () => {
  const block = new Residual({ name: 'res', inputShape: [2] });
  const model = new Sequential([block, new Dense(1, { name: 'head' })]);
  model.build([2]);
  expect(model.weights.map((w) => w.name)).toEqual([
    'res/gate',
    'res/hidden/kernel',
    'res/hidden/bias',
    'res/out/kernel',
    'res/out/bias',
    'head/kernel',
    'head/bias',
  ]);
  expect(block.countParams()).toBe(1 + 6 + 3 + 6 + 2);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = nb.tensor([
    [1, 2],
    [3, -4],
    [-5, 6],
    [7, 8],
  ]);
  const y = nb.tensor([[1], [2], [3], [4]]);
  const before = await Promise.all(block.weights.map((w) => w.value.data()));
  await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
  const after = await Promise.all(block.weights.map((w) => w.value.data()));
  expect(block.weights.filter((_, i) => Array.from(after[i]).every((v, j) => v === before[i][j])).map((w) => w.name)).toEqual([]);

  block.trainable = false;
  expect(model.trainableWeights.map((w) => w.name)).toEqual(['head/kernel', 'head/bias']);
  expect(block.hidden.trainable).toBe(false);
  const frozen = await Promise.all(block.weights.map((w) => w.value.data()));
  await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  expect(await Promise.all(block.weights.map((w) => w.value.data()))).toEqual(frozen);
  block.trainable = true;
  expect(block.hidden.trainable).toBe(true);

  const dir = await mkdtemp(join(tmpdir(), 'nabla-sublayers-'));
  try {
    await model.save(join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    expect(loaded.weights.map((w) => w.name)).toEqual(model.weights.map((w) => w.name));
    expect(await loaded.predict(x).data()).toEqual(await model.predict(x).data());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('addSublayer: a name outside the layer, a layer that is a sublayer already, or a non-layer is an error', () => {
  class Holder extends Layer<nb.Tensor> {
    hold(layer: unknown, ...extra: unknown[]): void {
      (this.addSublayer as (...a: unknown[]) => unknown)(layer, ...extra);
    }
    override call(x: nb.Tensor): nb.Tensor {
      return x;
    }
  }
  const a = new Holder({ name: 'a' });
  expect(() => a.hold(new Dense(1, { name: 'd' }))).toThrow(
    /^a\.addSublayer: a sublayer's name must start with 'a\/' \(its weights are named after it\), got 'd'$/,
  );
  const d = new Dense(1, { name: 'a/d' });
  a.hold(d);
  const b = new Holder({ name: 'a' });
  expect(() => b.hold(d)).toThrow(/^a\.addSublayer: 'a\/d' is a sublayer of 'a' already$/);
  expect(() => a.hold({})).toThrow(/a\.addSublayer: expected a layer, got an object/);
  expect(() => a.hold(new Dense(1, { name: 'a/e' }), 'stray')).toThrow(nb.NablaError);
});
