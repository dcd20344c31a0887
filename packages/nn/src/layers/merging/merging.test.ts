import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { input } from '../../models/symbolic.js';
import { Concatenate } from './concatenate.js';
import { Dot } from './dot.js';
import { Add, Average, Maximum, Minimum, Multiply, Subtract } from './elementwise.js';

// Expected values from TensorFlow.js 4.22 (tf.layers, cpu backend, float32) on the same inputs.
// float32 against float32: sums of a few products of O(1) values, a few ulps.
const F32 = 1e-6;
const A = () =>
  nb.tensor(
    Array.from({ length: 24 }, (_, i) => Math.sin(i) * 2),
    [2, 3, 4],
  );
const B = () =>
  nb.tensor(
    Array.from({ length: 40 }, (_, i) => Math.cos(i * 0.7)),
    [2, 5, 4],
  );
const C = () =>
  nb.tensor(
    Array.from({ length: 30 }, (_, i) => Math.cos(i * 1.1)),
    [2, 3, 5],
  );
const data = async (t: nb.Tensor) => Array.from(await t.data());

describe('elementwise merges', () => {
  const x = nb.tensor([
    [1, -2, 3],
    [4, 0.5, -6],
  ]);
  const y = nb.tensor([
    [2, 2, -1],
    [-4, 1, 0],
  ]);
  const z = nb.tensor([
    [0, 5, 1],
    [1, 1, 1],
  ]);
  test.each([
    ['Add', new Add(), [3, 5, 3, 1, 2.5, -5]],
    ['Subtract', new Subtract(), [-1, -4, 4, 8, -0.5, -6]],
    ['Multiply', new Multiply(), [0, -20, -3, -16, 0.5, 0]],
    ['Average', new Average(), [1, 5 / 3, 1, 1 / 3, 2.5 / 3, -5 / 3]],
    ['Maximum', new Maximum(), [2, 5, 3, 4, 1, 1]],
    ['Minimum', new Minimum(), [0, -2, -1, -4, 0.5, -6]],
  ] as const)('%s', async (name, layer, expected) => {
    const inputs = name === 'Subtract' ? [x, y] : [x, y, z];
    expectClose(await data(layer.apply(inputs)), expected, 1e-7, 1e-7);
  });

  test('a lower-rank input broadcasts after the batch axis, as Keras and TensorFlow.js', async () => {
    const y = new Add().apply([
      A(),
      nb.tensor([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]),
    ]);
    expect(y.shape).toEqual([2, 3, 4]);
    expectClose(
      await data(y),
      [
        1, 3.6829419, 4.8185949, 4.2822399, -0.513605, 0.082151413, 2.441169, 5.3139734, 2.9787164, 2.8242369, 1.9119577, 2.0000196,
        3.9268541, 6.8403339, 8.9812145, 9.3005753, 4.4241934, 4.0772052, 5.4980254, 8.2997541, 6.8258905, 7.6733112, 6.9822974, 6.307559,
      ],
      F32,
      F32,
    );
    expect(new Add().computeOutputShape([[null, 3, 4], [4], [1, 1]])).toEqual([null, 3, 4]);
    const s = new Multiply().apply([input({ shape: [3, 1] }), input({ shape: [3, 5] })]);
    expect(s.shape).toEqual([null, 3, 5]);
  });

  test('masks: the output mask is the OR of the inputs masks when all have one (Keras 3)', async () => {
    const m1 = nb.tensor([[true, false, true]], [1, 3], 'bool');
    const m2 = nb.tensor([[true, true, false]], [1, 3], 'bool');
    const xs = [nb.ones([1, 3, 2]), nb.ones([1, 3, 2])];
    for (const layer of [new Add(), new Subtract(), new Multiply(), new Average(), new Maximum(), new Minimum()]) {
      expect(await (layer.computeMask(xs, [m1, m2]) as nb.Tensor).array()).toEqual([[true, true, true]]);
      expect(layer.computeMask(xs, [m1, null])).toBeNull();
      expect(layer.computeMask(xs, null)).toBeNull();
    }
    const both = nb.tensor([[true, false, false]], [1, 3], 'bool');
    expect(await (new Add().computeMask(xs, [both, m2]) as nb.Tensor).array()).toEqual([[true, true, false]]);
  });

  test('masked positions: Multiply counts them as 1 (0 where all are masked), Maximum and Minimum as the other inputs', async () => {
    const a = nb.tensor([[[2], [3], [4]]]);
    const b = nb.tensor([[[-5], [6], [7]]]);
    const ma = nb.tensor([[true, false, false]], [1, 3], 'bool');
    const mb = nb.tensor([[false, true, false]], [1, 3], 'bool');
    const mask = [ma, mb];
    expect(await data(new Multiply().apply([a, b], { training: false, mask }))).toEqual([2, 6, 0]);
    expect(await data(new Multiply().apply([a, b], { training: false, mask: [ma, null] }))).toEqual([-10, 6, 7]);
    // Where both are masked, the first input's value, as Keras 3's _apply_merge_op_and_or_mask.
    expect(await data(new Maximum().apply([a, b], { training: false, mask }))).toEqual([2, 6, 4]);
    expect(await data(new Minimum().apply([a, b], { training: false, mask }))).toEqual([2, 6, 4]);
    // Add, Subtract and Average ignore masks in their values, as Keras 3.
    expect(await data(new Add().apply([a, b], { training: false, mask }))).toEqual([-3, 9, 11]);
  });

  test('errors name the layer and the shapes', () => {
    expect(() => new Add({ name: 'add' }).apply(nb.ones([2, 3]))).toThrow(
      'add: a merging layer is called on a list of inputs, got one input of shape [null,3]',
    );
    expect(() => new Add({ name: 'add' }).apply([nb.ones([2, 3]), nb.ones([2, 4])])).toThrow(
      'add: inputs have incompatible shapes [null,3], [null,4]',
    );
    expect(() => new Subtract({ name: 'sub' }).apply([nb.ones([2, 3]), nb.ones([2, 3]), nb.ones([2, 3])])).toThrow(
      'sub: Subtract is called on exactly 2 inputs, got 3',
    );
    expect(() => new Multiply({ name: 'm' }).apply([nb.ones([2, 3]), nb.ones([2, 3])], { training: false, mask: [null] })).toThrow(
      'm: expected 2 masks, one per input, got 1',
    );
    expect(() => Reflect.construct(Add, [{}, 'x'])).toThrow(/^Add: /);
  });
});

describe('Concatenate', () => {
  test('joins along the last axis by default, or any other but the batch', async () => {
    const y = new Concatenate().apply([A(), C()]);
    expect(y.shape).toEqual([2, 3, 9]);
    const row = async (t: nb.Tensor) => ((await t.array()) as number[][][])[1][2];
    expect(await row(y)).toEqual([...(await row(A())), ...(await row(C()))]);
    expect(new Concatenate(1).apply([A(), nb.ones([2, 2, 4])]).shape).toEqual([2, 5, 4]);
    expect(
      new Concatenate({ axis: -2 }).computeOutputShape([
        [null, 4],
        [3, 4],
      ]),
    ).toEqual([null, 4]);
  });

  test('masks as Keras 3: joined along the features, OR; along time, joined; all true for an input without one', async () => {
    const m1 = nb.tensor([[true, false, true]], [1, 3], 'bool');
    const m2 = nb.tensor([[true, true, false]], [1, 3], 'bool');
    const xs = [nb.ones([1, 3, 2]), nb.ones([1, 3, 1])];
    expect(await (new Concatenate().computeMask(xs, [m1, m2]) as nb.Tensor).array()).toEqual([[true, true, true]]);
    expect(await (new Concatenate().computeMask(xs, [m1, null]) as nb.Tensor).array()).toEqual([[true, true, true]]);
    const ts = [nb.ones([1, 3, 2]), nb.ones([1, 2, 2])];
    const t2 = nb.tensor([[false, true]], [1, 2], 'bool');
    expect(await (new Concatenate(1).computeMask(ts, [m1, t2]) as nb.Tensor).array()).toEqual([[true, false, true, false, true]]);
    expect(await (new Concatenate(1).computeMask(ts, [null, t2]) as nb.Tensor).array()).toEqual([[true, true, true, false, true]]);
    expect(new Concatenate().computeMask(xs, [null, null])).toBeNull();
  });

  test('errors name the layer and the shapes', () => {
    expect(() => new Concatenate({ name: 'cat' }).apply([nb.ones([2, 3, 4]), nb.ones([2, 2, 5])])).toThrow(
      'cat: inputs must match in every axis but the concatenation axis -1, got [null,3,4], [null,2,5]',
    );
    expect(() => new Concatenate({ name: 'cat' }).apply([nb.ones([2, 3, 4]), nb.ones([2, 4])])).toThrow(
      'cat: inputs must have the same rank, got [null,3,4], [null,4]',
    );
    expect(() => new Concatenate(0, { name: 'cat' }).apply([nb.ones([2, 3]), nb.ones([2, 3])])).toThrow(
      'cat: cannot concatenate along the batch axis',
    );
    expect(() => new Concatenate(3, { name: 'cat' }).apply([nb.ones([2, 3]), nb.ones([2, 3])])).toThrow(
      'cat: axis 3 is out of range for inputs of rank 2 (batch axis included)',
    );
    expect(() => new Concatenate(1.5)).toThrow(/axis must be an integer, got 1.5/);
  });
});

describe('Dot', () => {
  test('axes [2, 2] of [2,3,4] and [2,5,4] give [2,3,5], as TensorFlow.js', async () => {
    const y = new Dot([2, 2]).apply([A(), B()]);
    expect(y.shape).toEqual([2, 3, 5]);
    expectClose(
      await data(y),
      [
        1.4537987, -2.4149468, 3.0970349, -3.4212444, 3.3501108, -3.7387936, 3.7411797, -3.3112526, 2.4986928, -1.3973955, 3.4338787,
        -2.4758499, 1.2317232, 0.15473549, -1.5233135, -3.6850371, 3.5554447, -3.015002, 2.1261594, -0.99162805, 2.1015372, -1.0534042,
        -0.11645525, 1.2728577, -2.2821746, 0.93772429, -2.1783428, 3.1672423, -3.7901499, 3.9750857,
      ],
      F32,
      F32,
    );
  });

  test('axes 1 of [2,3,4] and [2,3,5] give [2,4,5], as TensorFlow.js', async () => {
    const y = new Dot(1).apply([A(), C()]);
    expect(y.shape).toEqual([2, 4, 5]);
    expectClose(
      (await data(y)).slice(0, 8),
      [-1.0638889, 0.32912493, 1.3624684, 0.90689594, -0.53973949, 0.3274684, -0.32281274, -0.62032163],
      F32,
      F32,
    );
  });

  test('normalize: the cosine similarity of two vectors, [batch, 1]', async () => {
    const u = nb.tensor([
      [1, 2, 3],
      [0.5, -1, 2],
    ]);
    const v = nb.tensor([
      [-1, 0.5, 2],
      [3, 1, 0],
    ]);
    const y = new Dot({ axes: -1, normalize: true }).apply([u, v]);
    expect(y.shape).toEqual([2, 1]);
    expectClose(await data(y), [0.69985414, 0.069006547], F32, F32);
    // A zero vector stays finite (Keras 3 clamps the squared norm).
    expect(await data(new Dot(1, { normalize: true }).apply([nb.zeros([1, 3]), nb.ones([1, 3])]))).toEqual([0]);
  });

  test('no mask passes on; errors name the layer', () => {
    const m = nb.ones([2, 3], 'bool');
    expect(new Dot(1).computeMask([A(), C()], [m, m])).toBeNull();
    expect(() => new Dot(2, { name: 'dot' }).apply([A(), C()])).toThrow(
      'dot: sizes differ along the axes: 4 (axis 2 of [null,3,4]) and 5 (axis 2 of [null,3,5])',
    );
    expect(() => new Dot(0, { name: 'dot' }).apply([A(), A()])).toThrow('dot: cannot take the dot product over the batch axis');
    expect(() => new Dot(1, { name: 'dot' }).apply([A(), A(), A()])).toThrow('dot: Dot is called on exactly 2 inputs, got 3');
    expect(() => new Dot([1, 2, 3] as never, { name: 'dot' })).toThrow('dot: axes must be an integer or a list of 2 integers, got');
  });
});
