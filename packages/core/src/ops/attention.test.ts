import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number, dtype: nb.DType = 'float64') => nb.tensor(values(size(shape), -1, 1, seed), shape, dtype);

/**
 * Attention written out with loops over flat arrays of shape [n, t, d] (n the flattened leading
 * axes), in float64: the independent reference. allowed(b, i, j) says whether query i of batch
 * b may see key j; a row with no allowed key is zeros (Keras 3's rule).
 */
function reference(
  q: number[],
  k: number[],
  v: number[],
  [n, tq, tk, dk, dv]: number[],
  scale: number,
  allowed: (b: number, i: number, j: number) => boolean,
): { out: number[]; probs: number[] } {
  const out = new Array(n * tq * dv).fill(0);
  const probs = new Array(n * tq * tk).fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < tq; i++) {
      const s: number[] = [];
      for (let j = 0; j < tk; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += q[(b * tq + i) * dk + c] * scale * k[(b * tk + j) * dk + c];
        s.push(dot);
      }
      const keep = s.map((_, j) => allowed(b, i, j));
      if (!keep.some(Boolean)) continue;
      const m = Math.max(...s.filter((_, j) => keep[j]));
      const e = s.map((x, j) => (keep[j] ? Math.exp(x - m) : 0));
      const total = e.reduce((a, c) => a + c, 0);
      for (let j = 0; j < tk; j++) {
        const p = e[j] / total;
        probs[(b * tq + i) * tk + j] = p;
        for (let c = 0; c < dv; c++) out[(b * tq + i) * dv + c] += p * v[(b * tk + j) * dv + c];
      }
    }
  }
  return { out, probs };
}

describe('dotProductAttention and attentionWeights: values', () => {
  test('no mask, leading axes [2, 3], against the loop reference', async () => {
    const [q, k, v] = [rand([2, 3, 4, 5], 1), rand([2, 3, 6, 5], 2), rand([2, 3, 6, 2], 3)];
    const ref = reference(
      Array.from(q.dataSync()),
      Array.from(k.dataSync()),
      Array.from(v.dataSync()),
      [6, 4, 6, 5, 2],
      1 / Math.sqrt(5),
      () => true,
    );
    const out = nb.dotProductAttention(q, k, v);
    expect(out.shape).toEqual([2, 3, 4, 2]);
    expectClose(await out.data(), ref.out, 1e-12, 1e-12);
    expectClose(await nb.attentionWeights(q, k).data(), ref.probs, 1e-12, 1e-12);
  });

  test('a padding mask [B, 1, Tk] broadcast over queries, a causal mask, both, and a scale', async () => {
    const [q, k, v] = [rand([2, 4, 3], 4), rand([2, 5, 3], 5), rand([2, 5, 2], 6)];
    const lengths = [5, 3];
    const pad = nb.tensor(
      [0, 1].flatMap((b) => [0, 1, 2, 3, 4].map((j) => j < lengths[b])),
      [2, 1, 5],
    );
    const data = [q, k, v].map((t) => Array.from(t.dataSync()));
    const dims = [2, 4, 5, 3, 2];
    const cases: [nb.AttentionOptions, (b: number, i: number, j: number) => boolean, number][] = [
      [{ mask: pad }, (b, _i, j) => j < lengths[b], 1 / Math.sqrt(3)],
      [{ causal: true }, (_b, i, j) => j <= i, 1 / Math.sqrt(3)],
      [{ mask: pad, causal: true, scale: 0.7 }, (b, i, j) => j <= i && j < lengths[b], 0.7],
    ];
    for (const [options, allowed, scale] of cases) {
      const ref = reference(data[0], data[1], data[2], dims, scale, allowed);
      expectClose(await nb.dotProductAttention(q, k, v, options).data(), ref.out, 1e-12, 1e-12);
      expectClose(await nb.attentionWeights(q, k, options).data(), ref.probs, 1e-12, 1e-12);
    }
  });

  test('a query whose keys are all masked gets zeros, not NaN or a uniform spread; its gradients are zeros', async () => {
    const [q, k, v] = [rand([1, 3, 2], 7), rand([1, 3, 2], 8), rand([1, 3, 2], 9)];
    const mask = nb.tensor([true, true, false, false, false, false, true, false, true], [1, 3, 3]);
    const out = await nb.dotProductAttention(q, k, v, { mask }).array();
    expect((out as number[][][])[0][1]).toEqual([0, 0]);
    const probs = (await nb.attentionWeights(q, k, { mask }).array()) as number[][][];
    expect(probs[0][1]).toEqual([0, 0, 0]);
    expect(probs[0][0][2]).toBe(0);
    const [gq] = nb.grad((a: nb.Tensor[]) => nb.sum(nb.dotProductAttention(a[0], a[1], a[2], { mask })))([q, k, v]);
    expect(((await gq.array()) as number[][][])[0][1]).toEqual([0, 0]);
  });

  test('a numeric mask means non-zero is allowed, the same as its bool form', async () => {
    const [q, k, v] = [rand([2, 3, 4], 10), rand([2, 3, 4], 11), rand([2, 3, 4], 12)];
    const flags = [1, 0, 1, 1, 1, 0];
    const asBool = nb.tensor(
      flags.map((f) => f !== 0),
      [2, 1, 3],
    );
    const asFloat = nb.tensor(flags, [2, 1, 3], 'float64');
    expect(await nb.dotProductAttention(q, k, v, { mask: asFloat }).data()).toEqual(
      await nb.dotProductAttention(q, k, v, { mask: asBool }).data(),
    );
  });

  test('float32: huge scores stay finite (the max shift), and the result is float32', async () => {
    const q = nb.tensor([[[300, 0]], [[-300, 0]]]);
    const k = nb.tensor([
      [
        [10, 0],
        [9, 0],
      ],
      [
        [10, 0],
        [9, 0],
      ],
    ]);
    const v = nb.tensor([
      [[1], [2]],
      [[1], [2]],
    ]);
    const out = nb.dotProductAttention(q, k, v, { scale: 1 });
    expect(out.dtype).toBe('float32');
    expectClose(await out.data(), [1, 2], 1e-6, 0);
  });
});

describe('dotProductAttention: gradients', () => {
  test('float64 gradients of query, key and value match central differences, masked and causal', () => {
    const mask = nb.tensor([true, true, true, false, true, true, true, true], [2, 1, 4]);
    checkGradients(
      (q, k, v) => nb.dotProductAttention(q, k, v, { mask, causal: true }),
      [rand([2, 3, 2], 13), rand([2, 4, 2], 14), rand([2, 4, 3], 15)],
    );
    checkGradients((q, k) => nb.attentionWeights(q, k, { scale: 0.5 }), [rand([2, 2, 3], 16), rand([2, 3, 3], 17)]);
  });
});

describe('dotProductAttention: errors name the op and the shapes', () => {
  test('ranks, dimensions, masks and options', () => {
    const t = (shape: number[]) => nb.zeros(shape);
    expect(() => nb.dotProductAttention(t([3]), t([2, 3]), t([2, 3]))).toThrow(
      /dotProductAttention: query, key and value need rank >= 2 \(\[\.\.\., time, features\]\), got \[3\], \[2,3\] and \[2,3\]/,
    );
    expect(() => nb.dotProductAttention(t([2, 4]), t([2, 3]), t([2, 3]))).toThrow(
      /dotProductAttention: query and key must have the same last dimension, got \[2,4\] and \[2,3\]/,
    );
    expect(() => nb.dotProductAttention(t([2, 3]), t([2, 3]), t([4, 3]))).toThrow(
      /dotProductAttention: key and value must have the same length \(axis -2\), got \[2,3\] and \[4,3\]/,
    );
    expect(() => nb.dotProductAttention(t([1, 2, 3]), t([1, 4, 3]), t([1, 4, 3]), { mask: nb.ones([1, 2, 3], 'bool') })).toThrow(
      /dotProductAttention: mask of shape \[1,2,3\] does not broadcast to the scores' \[1,2,4\]/,
    );
    expect(() => nb.attentionWeights(t([2, 3]), t([2, 3]), { mask: nb.ones([3, 2, 2], 'bool') })).toThrow(
      /attentionWeights: mask of shape \[3,2,2\] does not broadcast to the scores' \[2,2\]/,
    );
    expect(() => nb.attentionWeights(t([2, 3]), t([2, 3]), { mask: [true] as never })).toThrow(/attentionWeights: .*mask.*a tensor/);
    expect(() => nb.attentionWeights(t([2]), t([2, 3]))).toThrow(/attentionWeights: query and key need rank >= 2/);
    expect(() => nb.attentionWeights(t([2, 3]), t([2, 2]))).toThrow(/attentionWeights: query and key must have the same last dimension/);
  });
});
