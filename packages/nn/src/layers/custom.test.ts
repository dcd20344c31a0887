import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { loadModel } from '../io/load.js';
import { Sequential } from '../models/sequential.js';
import type { Weight } from '../weight.js';
import { Dense } from './dense.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { layerFromConfig, registerLayer } from './registry.js';

/**
 * A custom layer as a user writes one: its own trainable weight (a per-feature scale) and a
 * non-trainable state it assigns while training (a running count of the batches seen), which
 * the compiled training step must return and fit must store.
 */
class Scale extends Layer<nb.Tensor> {
  scale?: Weight;
  seen?: Weight;
  override build(inputShape: LayerShape): void {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1] as number], { initializer: 'ones' });
    this.seen = this.addWeight('seen', [], { initializer: 'zeros', trainable: false });
    super.build(inputShape);
  }
  override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    const seen = this.seen as Weight;
    if (ctx.training) seen.assign(nb.add(seen.value, 1));
    return nb.mul(x, (this.scale as Weight).value);
  }
}
registerLayer('Scale', Scale);

test('a custom layer registers, trains its weight, updates its state inside the compiled step, saves and loads', async () => {
  const model = new Sequential([new Scale({ inputShape: [2] } as LayerArgs), new Dense(1, { kernelInitializer: 'ones' })]);
  expect(model.layers[0].className).toBe('Scale');
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = nb.tensor([
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ]);
  const y = nb.tensor([[1], [2], [3], [4]]);
  await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
  const [scale, seen] = model.layers[0].weights;
  expect(await seen.value.item()).toBe(6); // 3 epochs of 2 batches
  expect(Array.from(await scale.value.data())).not.toEqual([1, 1]);
  expect(model.trainableWeights.map((w) => w.name)).not.toContain(seen.name);
  // Inference does not count.
  await model.predict(x).data();
  expect(await seen.value.item()).toBe(6);

  const dir = await mkdtemp(join(tmpdir(), 'nabla-custom-'));
  try {
    await model.save(join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    expect(loaded.layers[0]).toBeInstanceOf(Scale);
    expect(await loaded.layers[0].weights[1].value.item()).toBe(6);
    expect(await loaded.predict(x).data()).toEqual(await model.predict(x).data());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('registering: another class under a taken name is an error; an unknown class name suggests the nearest', () => {
  class Other extends Scale {}
  expect(() => registerLayer('Scale', Other)).toThrow(/'Scale' is registered to another class already/);
  expect(() => registerLayer('Scale', Scale)).not.toThrow();
  expect(() => layerFromConfig('Scal', {})).toThrow(/unknown layer class 'Scal'; did you mean 'Scale'/);
});

test('a weight assigned outside a training step is stored; a trainable one assigned inside the step is an error', async () => {
  class Bad extends Layer<nb.Tensor> {
    w?: Weight;
    override build(s: LayerShape): void {
      this.w = this.addWeight('w', [1], { initializer: 'ones' });
      super.build(s);
    }
    override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
      const w = this.w as Weight;
      if (ctx.training) w.assign(nb.add(w.value, 1));
      return nb.mul(x, w.value);
    }
  }
  registerLayer('BadAssign', Bad);
  const model = new Sequential([new Bad({ inputShape: [1] } as LayerArgs)]);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  await expect(model.fit(nb.ones([2, 1]), nb.ones([2, 1]), { verbose: 0 })).rejects.toThrow(
    /is trainable; a layer assigns only its non-trainable weights/,
  );
  const w = model.layers[0].weights[0];
  expect(() => w.assign(nb.zeros([2]))).toThrow(/shape \[2\] differs from the weight's \[1\]/);
  w.assign(nb.fill([1], 5));
  expect(await w.value.item()).toBe(5);
  // Assigned inside a tidy, the new value is the weight's, not the tidy's to free.
  nb.tidy(() => w.assign(nb.fill([1], 6)));
  expect(await w.value.item()).toBe(6);
});
