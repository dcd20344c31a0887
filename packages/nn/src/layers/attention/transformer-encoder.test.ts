import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { Sequential } from '../../models/sequential.js';
import { Adam } from '../../optimizers/adam.js';
import { paddingMask, uniform as rand, setWeights, TORCH_REFERENCE } from '../../test-utils/attention-reference.js';
import { Dense } from '../dense.js';
import { Embedding } from '../embedding/embedding.js';
import { TransformerEncoder } from './transformer-encoder.js';

describe('TransformerEncoder: values against PyTorch', () => {
  // float64 agrees to rounding; float32 to its precision through two layer normalizations.
  for (const [dtype, tol] of [
    ['float64', 1e-12],
    ['float32', 1e-5],
  ] as const) {
    test.each(TORCH_REFERENCE.encoder.map((c) => [c.name, c] as const))(`%s (${dtype})`, async (_, c) => {
      const layer = new TransformerEncoder(c.intermediateDim, c.heads, { normalizeFirst: c.normalizeFirst, useCausalMask: c.causal });
      layer.build(c.shape.slice(1));
      setWeights(layer, c.weights, dtype);
      const mask = c.padding ? paddingMask(c.padding, c.shape[1]) : null;
      const y = layer.apply(nb.tensor(c.x, c.shape, dtype), { training: false, mask });
      expect(y.dtype).toBe(dtype);
      expectClose(await y.data(), c.output, tol, tol);
      if (!c.causal) return;
      // The causal mask given as an attention mask input instead.
      const [b, t] = c.shape;
      const lower = nb.tensor(
        Array.from({ length: b * t * t }, (_, i) => Math.floor(i / t) % t >= i % t),
        [b, t, t],
      );
      const given = new TransformerEncoder(c.intermediateDim, c.heads);
      given.build([c.shape.slice(1), [t, t]]);
      setWeights(given, c.weights, dtype);
      const z = given.apply([nb.tensor(c.x, c.shape, dtype), lower], { training: false, mask: [mask, null] });
      expectClose(await z.data(), c.output, tol, tol);
    });
  }
});

describe('TransformerEncoder: sublayers, masks and training', () => {
  test("its sublayers' weights are its own, named after it in keras_hub's order; freezing it freezes them", () => {
    const layer = new TransformerEncoder(8, 2, { name: 'enc' });
    layer.build([5, 4]);
    expect(layer.weights.map((w) => `${w.name} [${w.shape}]`)).toEqual([
      'enc/selfAttentionLayer/queryKernel [4,2,2]',
      'enc/selfAttentionLayer/queryBias [2,2]',
      'enc/selfAttentionLayer/keyKernel [4,2,2]',
      'enc/selfAttentionLayer/keyBias [2,2]',
      'enc/selfAttentionLayer/valueKernel [4,2,2]',
      'enc/selfAttentionLayer/valueBias [2,2]',
      'enc/selfAttentionLayer/outputKernel [2,2,4]',
      'enc/selfAttentionLayer/outputBias [4]',
      'enc/selfAttentionLayerNorm/gamma [4]',
      'enc/selfAttentionLayerNorm/beta [4]',
      'enc/feedforwardLayerNorm/gamma [4]',
      'enc/feedforwardLayerNorm/beta [4]',
      'enc/feedforwardIntermediateDense/kernel [4,8]',
      'enc/feedforwardIntermediateDense/bias [8]',
      'enc/feedforwardOutputDense/kernel [8,4]',
      'enc/feedforwardOutputDense/bias [4]',
    ]);
    expect(layer.countParams()).toBe(4 * (16 + 4) + 2 * 8 + (32 + 8) + (32 + 4));
    expect(layer.trainableWeights).toHaveLength(16);
    layer.trainable = false;
    expect(layer.trainableWeights).toEqual([]);
    expect(layer.weights.every((w) => !w.trainable)).toBe(true);
    layer.trainable = true;
    expect(layer.trainableWeights).toHaveLength(16);
  });

  test("Embedding(maskZero)'s mask hides padded positions from every query and passes on", async () => {
    const embedding = new Embedding(10, 4, { maskZero: true, inputShape: [5] });
    const encoder = new TransformerEncoder(6, 2);
    const model = new Sequential([embedding, encoder]);
    // Batch 1 ends in two padding tokens (0).
    const ids = nb.tensor([3, 1, 4, 1, 5, 9, 2, 6, 0, 0], [2, 5], 'int32');
    const y = (await model.predict(ids).array()) as number[][][];
    const x = embedding.apply(ids);
    const mask = paddingMask([5, 3], 5);
    expect(await (embedding.computeMask(ids, null) as nb.Tensor).data()).toEqual(await mask.data());
    const a = (await encoder.apply(x, { training: false, mask }).array()) as number[][][];
    expectClose(y.flat(2), a.flat(2), 1e-6, 1e-6);
    // What the padded steps hold does not reach the real ones; without the mask it does.
    const noisy = nb.add(x, nb.mul(rand([2, 5, 4], 2), nb.reshape(nb.logicalNot(mask), [2, 5, 1])));
    const b = (await encoder.apply(noisy, { training: false, mask }).array()) as number[][][];
    expectClose(b[1].slice(0, 3).flat(), a[1].slice(0, 3).flat(), 1e-6, 1e-6);
    const unmasked = (await encoder.apply(x).array()) as number[][][];
    expect(unmasked[1][0]).not.toEqual(a[1][0]);
    expect(unmasked[0]).toEqual(a[0]);
    expect(encoder.computeMask(x, mask)).toBe(mask);
  });

  test('fit trains every sublayer weight, with dropout, from a compiled step; the model saves its sublayers by name', async () => {
    const encoder = new TransformerEncoder(8, 2, { dropout: 0.1, name: 'block' });
    const model = new Sequential([new Dense(4, { inputShape: [6, 3] }), encoder, new Dense(1)]);
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const x = rand([16, 6, 3], 3);
    const y = nb.sum(x, -1, true);
    model.build([6, 3]);
    const before = await Promise.all(encoder.weights.map((w) => w.value.data()));
    const history = await model.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0, seed: 1 });
    const losses = history.history.loss as number[];
    expect(losses[3]).toBeLessThan(losses[0] * 0.5);
    const after = await Promise.all(encoder.weights.map((w) => w.value.data()));
    const unchanged = encoder.weights.filter((_, i) => Array.from(after[i]).every((v, j) => v === before[i][j])).map((w) => w.name);
    expect(unchanged).toEqual([]);
    expect(model.weights.map((w) => w.name)).toContain('block/selfAttentionLayer/queryKernel');
  });

  test('errors name the layer and the values', () => {
    const enc = (...a: unknown[]) => Reflect.construct(TransformerEncoder, a) as TransformerEncoder;
    expect(() => enc(0, 2, { name: 'e' })).toThrow(/^e: intermediateDim must be a positive integer, got 0 \(number\)$/);
    expect(() => enc({ intermediateDim: 4, name: 'e' })).toThrow(/e: numHeads must be a positive integer, got undefined/);
    expect(() => enc(4, 2, { dropout: -0.1, name: 'e' })).toThrow(/e: dropout must be in \[0, 1\), got -0.1/);
    expect(() => enc(4, 2, { activation: 'nope' })).toThrow(/nope/);
    expect(() => enc(4, 3, { name: 'e' }).apply(rand([1, 2, 2], 1))).toThrow(
      /^e: features \(2\) must be at least numHeads \(3\): each head has features \/ numHeads$/,
    );
    expect(() => enc(4, 1, { name: 'e' }).apply(rand([1, 2], 1))).toThrow(
      /e: expects \[batch, time, features\] with known features, got \[null,2\]/,
    );
    const x = rand([1, 3, 2], 1);
    expect(() => enc(4, 1, { name: 'e' }).apply([x, nb.ones([1, 3, 2], 'bool')])).toThrow(
      /^e: attentionMask must be \[batch, time, time\] = \[null,3,3\], got \[null,3,2\]$/,
    );
    expect(() => enc(4, 1, { name: 'e' }).apply([x, x, x])).toThrow(/^e: call it on x or on a list \[x, attentionMask\], got 3 inputs$/);
  });
});
