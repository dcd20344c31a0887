import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { input } from '../../models/symbolic.js';
import { paddingMask, uniform as rand, setWeights, TORCH_REFERENCE } from '../../test-utils/attention-reference.js';
import { MultiHeadAttention } from './multi-head-attention.js';

describe('MultiHeadAttention: values against PyTorch', () => {
  // float64 agrees to rounding; float32 to its precision over sums of a few terms.
  for (const [dtype, tol] of [
    ['float64', 1e-12],
    ['float32', 2e-6],
  ] as const) {
    test.each(TORCH_REFERENCE.mha.map((c) => [c.name, c] as const))(`%s (${dtype})`, async (_, c) => {
      const separateKey = c.shapes.key[2] !== c.shapes.value[2];
      const causal = c.name.startsWith('causal');
      const layer = new MultiHeadAttention(c.heads, c.keyDim, { useCausalMask: causal, returnAttentionScores: true });
      const q = nb.tensor(c.query, c.shapes.query, dtype);
      const v = nb.tensor(c.value, c.shapes.value, dtype);
      const k = nb.tensor(c.key, c.shapes.key, dtype);
      // The cases of equal widths use the value as the key (the [query, value] form).
      const inputs = separateKey ? [q, v, k] : [q, v];
      const given =
        c.allowed && !causal ? [q, v, v, nb.tensor(c.allowed, [c.shapes.query[0], c.shapes.query[1], c.shapes.value[1]])] : inputs;
      layer.build(given.map((t) => t.shape.slice(1)));
      setWeights(layer, c.weights, dtype);
      const mask = c.padding ? [null, paddingMask(c.padding, c.shapes.value[1])] : undefined;
      const [out, scores] = layer.apply(separateKey ? [q, v, k] : given, { training: false, mask }) as nb.Tensor[];
      expect(out.dtype).toBe(dtype);
      expect(out.shape).toEqual(c.shapes.query);
      expect(scores.shape).toEqual([c.shapes.query[0], c.heads, c.shapes.query[1], c.shapes.value[1]]);
      expectClose(await out.data(), c.output, tol, tol);
      expectClose(await scores.data(), c.scores, tol, tol);
    });
  }
});

describe('MultiHeadAttention: masks as Keras combines them', () => {
  const build = () => {
    const layer = new MultiHeadAttention(2, 3, { biasInitializer: 'ones', returnAttentionScores: true });
    const q = rand([2, 4, 5], 1);
    const v = rand([2, 3, 5], 2);
    return { layer, q, v };
  };

  test("a padded query attends to nothing: its scores are zeros and its output is the output bias; other rows don't change", async () => {
    const { layer, q, v } = build();
    const [free, freeScores] = layer.apply([q, v]) as nb.Tensor[];
    const queryMask = paddingMask([4, 2], 4);
    const [out, scores] = layer.apply([q, v], { training: false, mask: [queryMask, null] }) as nb.Tensor[];
    const o = (await out.array()) as number[][][];
    const f = (await free.array()) as number[][][];
    const s = (await scores.array()) as number[][][][];
    expect(o[0]).toEqual(f[0]);
    expect(o[1].slice(0, 2)).toEqual(f[1].slice(0, 2));
    expect(o[1][2]).toEqual([1, 1, 1, 1, 1]); // outputBias, initialized to ones
    expect(s[1].map((head) => head[3])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect((await freeScores.array()) as number[][][][]).not.toEqual(s);
  });

  test('value, key and attention masks and the causal mask are and-ed; a fully masked row has no NaN', async () => {
    const { q, v } = build();
    const k = rand([2, 3, 2], 3);
    const layer = new MultiHeadAttention(1, 2, { useCausalMask: true, returnAttentionScores: true });
    const attention = nb.tensor(
      [0, 1].flatMap(() => [1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0]),
      [2, 4, 3],
    );
    const [out, scores] = layer.apply([q, v, k, attention], {
      training: false,
      mask: [null, paddingMask([3, 3], 3), paddingMask([3, 2], 3), null],
    }) as nb.Tensor[];
    const s = (await scores.array()) as number[][][][];
    // Batch 0: causal (row i sees keys <= i) and the attention mask's zero at (2, 0) and (3, 2).
    const seen0 = s[0][0].map((row) => row.map((p) => p > 0));
    expect(seen0).toEqual([
      [true, false, false],
      [true, true, false],
      [false, true, true],
      [true, true, false],
    ]);
    // Batch 1: the key's padding hides key 2 as well.
    const seen1 = s[1][0].map((row) => row.map((p) => p > 0));
    expect(seen1).toEqual([
      [true, false, false],
      [true, true, false],
      [false, true, false],
      [true, true, false],
    ]);
    for (const row of [...s[0][0], ...s[1][0]]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // Every key masked for every query: zeros, the output is the bias (zeros), nothing is NaN.
    const none = nb.zeros([2, 4, 3], 'bool');
    const [empty, emptyScores] = layer.apply([q, v, k, none]) as nb.Tensor[];
    expect(Array.from(await emptyScores.data()).every((p) => p === 0)).toBe(true);
    expect(Array.from(await empty.data()).every((y) => y === 0)).toBe(true);
    expect(Array.from(await out.data()).every(Number.isFinite)).toBe(true);
  });

  test("the output's mask is the query's; with returned scores, the scores have none", () => {
    const { layer, q, v } = build();
    const queryMask = paddingMask([4, 2], 4);
    expect(layer.computeMask([q, v], [queryMask, paddingMask([1, 2], 3)])).toEqual([queryMask, null]);
    const plain = new MultiHeadAttention(2, 3);
    expect(plain.computeMask([q, v], [queryMask, null])).toBe(queryMask);
    expect(plain.computeMask([q, v], null)).toBe(null);
  });
});

describe('MultiHeadAttention: dropout on the attention probabilities', () => {
  test('only while training, reproducible from the seed, a fresh mask for another seed; returned scores are before dropout', async () => {
    const layer = new MultiHeadAttention(2, 4, { dropout: 0.5, returnAttentionScores: true });
    const q = rand([2, 6, 4], 4);
    const v = rand([2, 6, 4], 5);
    const [inference, scores] = layer.apply([q, v]) as nb.Tensor[];
    const run = (seed: number) => layer.apply([q, v], { training: true, seed: nb.scalar(seed, 'int32') }) as nb.Tensor[];
    const [a, aScores] = run(1);
    const [b] = run(1);
    const [c] = run(2);
    expect(await a.data()).toEqual(await b.data());
    expect(await a.data()).not.toEqual(await c.data());
    expect(await a.data()).not.toEqual(await inference.data());
    expect(await aScores.data()).toEqual(await scores.data());
  });
});

describe('MultiHeadAttention: weights, shapes, options and errors', () => {
  test("weights in Keras's order and layouts; the output shape follows outputShape", () => {
    const layer = new MultiHeadAttention(3, 2, { valueDim: 5, outputShape: 7, name: 'mha' });
    const y = layer.apply([rand([2, 4, 6], 6), rand([2, 3, 8], 7), rand([2, 3, 9], 8)]) as nb.Tensor;
    expect(y.shape).toEqual([2, 4, 7]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['mha/queryKernel', [6, 3, 2]],
      ['mha/queryBias', [3, 2]],
      ['mha/keyKernel', [9, 3, 2]],
      ['mha/keyBias', [3, 2]],
      ['mha/valueKernel', [8, 3, 5]],
      ['mha/valueBias', [3, 5]],
      ['mha/outputKernel', [3, 5, 7]],
      ['mha/outputBias', [7]],
    ]);
    expect(layer.countParams()).toBe(6 * 6 + 6 + 9 * 6 + 6 + 8 * 15 + 15 + 15 * 7 + 7);
  });

  test('kernel and bias regularizers, constraints and initializers reach the four projections', async () => {
    const layer = new MultiHeadAttention(1, 2, {
      kernelRegularizer: 'l2',
      biasConstraint: 'nonNeg',
      kernelInitializer: 'ones',
      biasInitializer: { className: 'Constant', config: { value: -1 } },
      name: 'r',
    });
    layer.apply([rand([1, 2, 3], 1), rand([1, 2, 3], 2)]);
    expect(layer.weights.filter((w) => w.regularizer).map((w) => w.name)).toEqual([
      'r/queryKernel',
      'r/keyKernel',
      'r/valueKernel',
      'r/outputKernel',
    ]);
    expect(layer.weights.filter((w) => w.constraint).map((w) => w.name)).toEqual([
      'r/queryBias',
      'r/keyBias',
      'r/valueBias',
      'r/outputBias',
    ]);
    for (const w of layer.weights) expect(new Set(await w.value.data())).toEqual(new Set([w.name.endsWith('Kernel') ? 1 : -1]));
  });

  test('unknown time lengths: computeOutputShape keeps them', () => {
    const layer = new MultiHeadAttention(2, 2, { returnAttentionScores: true });
    expect(
      layer.computeOutputShape([
        [null, 4],
        [null, 3],
      ]),
    ).toEqual([
      [null, 4],
      [2, null, null],
    ]);
    const symbolic = layer.apply([input({ shape: [5, 4] }), input({ shape: [6, 3] })]);
    expect((symbolic as { shape: unknown }[]).map((s) => s.shape)).toEqual([
      [null, 5, 4],
      [null, 2, 5, 6],
    ]);
  });

  test('the config rebuilds the layer; both constructor forms agree', () => {
    const a = new MultiHeadAttention(2, 3, { valueDim: 4, dropout: 0.25, useCausalMask: true, outputShape: [2, 3] });
    const b = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4, dropout: 0.25, useCausalMask: true, outputShape: [2, 3] });
    const { name: _a, ...ca } = a.getConfig();
    const { name: _b, ...cb } = b.getConfig();
    expect(ca).toEqual(cb);
    expect(ca).toMatchObject({
      numHeads: 2,
      keyDim: 3,
      valueDim: 4,
      dropout: 0.25,
      useCausalMask: true,
      outputShape: [2, 3],
      useBias: true,
    });
    expect(new MultiHeadAttention(2, 3).valueDim).toBe(3);
  });

  test('errors name the layer and the values', () => {
    const mha = (...a: unknown[]) => Reflect.construct(MultiHeadAttention, a) as MultiHeadAttention;
    expect(() => mha(0, 2, { name: 'm' })).toThrow(/^m: numHeads must be a positive integer, got 0 \(number\)$/);
    expect(() => mha(2, 1.5, { name: 'm' })).toThrow(/m: keyDim must be a positive integer, got 1.5/);
    expect(() => mha({ numHeads: 2, name: 'm' })).toThrow(/m: keyDim must be a positive integer, got undefined/);
    expect(() => mha(2, 2, { dropout: 1, name: 'm' })).toThrow(/m: dropout must be in \[0, 1\), got 1/);
    expect(() => mha(2, 2, { outputShape: [0] })).toThrow(/outputShape.*a positive integer or a list of them/);
    expect(() => mha(2, 2, { numHeads: 3 })).toThrow(/MultiHeadAttention: numHeads is given twice/);
    expect(() => mha({ numHeads: 2, keyDim: 2 }, 3)).toThrow(/MultiHeadAttention: give the options once/);
    expect(() => mha(2, 2, { attentionAxes: [1] })).toThrow(/attentionAxes/);
    const q = rand([2, 3, 4], 9);
    const layer = () => new MultiHeadAttention(2, 2, { name: 'm' });
    expect(() => layer().apply(q)).toThrow(
      /^m: call it on a list \[query, value\], \[query, value, key\] or \[query, value, key, attentionMask\], got one input$/,
    );
    expect(() => layer().apply([q, q, q, q, q])).toThrow(/m: call it on a list .*, got 5 inputs/);
    expect(() => layer().apply([q, rand([2, 3, 4, 1], 1)])).toThrow(
      /m: value must be \[batch, time, features\] with known features, got \[null,3,4,1\]/,
    );
    expect(() => layer().apply([q, q, rand([2, 5, 4], 1)])).toThrow(
      /m: value and key must have the same length, got \[null,3,4\] and \[null,5,4\]/,
    );
    expect(() => layer().apply([q, q, q, nb.ones([2, 3, 4], 'bool')])).toThrow(
      /m: attentionMask must be \[batch, Tq, Tv\] = \[null,3,3\], got \[null,3,4\]/,
    );
    const built = layer();
    built.apply([q, q]);
    expect(() => built.apply([q, rand([2, 3, 5], 1)])).toThrow(
      /m: expected input shape \[null,3,4\], \[null,3,4\], got \[2,3,4\], \[2,3,5\]/,
    );
  });
});
