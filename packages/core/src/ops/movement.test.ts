import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';

const iota = (shape: number[]) => nb.reshape(nb.arange(shape.reduce((a, b) => a * b, 1)), shape);

describe('movement ops: values', () => {
  test('reshape infers -1; expandDims and squeeze', async () => {
    const x = iota([2, 3]);
    expect(nb.reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(await nb.reshape(x, [-1]).array()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(nb.reshape(nb.zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
    expect(nb.expandDims(x, 1).shape).toEqual([2, 1, 3]);
    expect(nb.expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expect(nb.expandDims(nb.scalar(1)).shape).toEqual([1]);
    expect(nb.squeeze(nb.zeros([1, 2, 1])).shape).toEqual([2]);
    expect(nb.squeeze(nb.zeros([1, 2, 1]), 2).shape).toEqual([1, 2]);
  });

  test('transpose: default reverses; permutations of rank 3; after another transpose', async () => {
    const x = iota([2, 3, 4]);
    const t = nb.transpose(x, [1, 2, 0]);
    expect(t.shape).toEqual([3, 4, 2]);
    const d = (await t.array()) as number[][][];
    expect(d[2][1][1]).toBe(1 * 12 + 2 * 4 + 1);
    expect(nb.transpose(x).shape).toEqual([4, 3, 2]);
    expect(await nb.transpose(nb.transpose(x, [2, 0, 1]), [1, 2, 0]).array()).toEqual(await x.array());
  });

  test('broadcastTo and tile', async () => {
    expect(await nb.broadcastTo(nb.tensor([1, 2]), [2, 2]).array()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(await nb.broadcastTo(nb.tensor([[1], [2]]), [2, 3]).array()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(await nb.tile(nb.tensor([[1, 2]]), [2, 2]).array()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(nb.tile(nb.zeros([2, 0]), [3, 1]).shape).toEqual([6, 0]);
  });

  test('slice: partial begin/size, -1, negative begin, of a transpose', async () => {
    const x = iota([3, 4]);
    expect(await nb.slice(x, [1, 1], [2, 2]).array()).toEqual([
      [5, 6],
      [9, 10],
    ]);
    expect(await nb.slice(x, [1]).array()).toEqual([
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(await nb.slice(x, [0, 2], [-1, -1]).array()).toEqual([
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
    expect(await nb.slice(x, [-1, 0], [1, 2]).array()).toEqual([[8, 9]]);
    expect(await nb.slice(x.transpose(), [1, 0], [1, 3]).array()).toEqual([[1, 5, 9]]);
    expect(nb.slice(x, [1, 1], [0, 2]).shape).toEqual([0, 2]);
  });

  test('concat, stack, split', async () => {
    const a = iota([2, 2]);
    const b = nb.add(iota([2, 1]), 10);
    expect(await nb.concat([a, b], 1).array()).toEqual([
      [0, 1, 10],
      [2, 3, 11],
    ]);
    expect(await nb.concat([a, nb.zeros([0, 2]), a], 0).array()).toEqual([
      [0, 1],
      [2, 3],
      [0, 1],
      [2, 3],
    ]);
    expect(nb.stack([a, a, a], 1).shape).toEqual([2, 3, 2]);
    expect(await nb.stack([nb.scalar(1), nb.scalar(2)]).array()).toEqual([1, 2]);
    const parts = nb.split(iota([2, 6]), [1, -1, 2], 1);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 3],
      [2, 2],
    ]);
    expect(await parts[1].array()).toEqual([
      [1, 2, 3],
      [7, 8, 9],
    ]);
    expect(nb.split(iota([4]), 2).length).toBe(2);
  });

  test('pad with a constant', async () => {
    expect(
      await nb
        .pad(
          nb.tensor([[1, 2]]),
          [
            [1, 0],
            [0, 2],
          ],
          9,
        )
        .array(),
    ).toEqual([
      [9, 9, 9, 9],
      [1, 2, 9, 9],
    ]);
    expect(await nb.pad(nb.scalar(5), []).array()).toBe(5);
  });

  test('reverse along axes', async () => {
    const x = iota([2, 3]);
    expect(await nb.reverse(x, 1).array()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(await nb.reverse(x).array()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
  });

  test('gather with indices of any shape; oneHot', async () => {
    const x = iota([3, 2]);
    expect(await nb.gather(x, [2, 0, 2]).array()).toEqual([
      [4, 5],
      [0, 1],
      [4, 5],
    ]);
    expect(await nb.gather(x, nb.tensor([[1], [0]], undefined, 'int32'), 1).array()).toEqual([
      [[1], [0]],
      [[3], [2]],
      [[5], [4]],
    ]);
    expect(nb.gather(x, nb.tensor([], [0], 'int32')).shape).toEqual([0, 2]);
    expect(await nb.oneHot(nb.tensor([0, 2, 1], [3], 'int32'), 3).array()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(() => nb.gather(x, [3]).dataSync()).toThrow('gather: index 3 at position [0] is out of range for axis 0 of size 3');
  });
});

describe('movement ops: gradients (float64)', () => {
  const v = (n: number, seed = 1) => values(n, -1, 1, seed);
  test('each op', () => {
    checkGradients((x) => nb.reshape(x, [3, 2]), [v(6)], { shapes: [[2, 3]] });
    checkGradients((x) => nb.transpose(x, [2, 0, 1]), [v(24)], { shapes: [[2, 3, 4]] });
    checkGradients((x) => nb.expandDims(nb.squeeze(x), 0), [v(3)], { shapes: [[3, 1]] });
    checkGradients((x) => nb.broadcastTo(x, [2, 3, 4]), [v(4)], { shapes: [[1, 4]] });
    checkGradients((x) => nb.tile(x, [2, 3]), [v(4)], { shapes: [[2, 2]] });
    checkGradients((x) => nb.slice(x, [1, 0], [2, 2]), [v(12)], { shapes: [[3, 4]] });
    checkGradients((x, y) => nb.concat([x, y, x], 1), [v(4), v(6, 2)], {
      shapes: [
        [2, 2],
        [2, 3],
      ],
    });
    checkGradients((x, y) => nb.stack([x, y], 1), [v(4), v(4, 2)], {
      shapes: [
        [2, 2],
        [2, 2],
      ],
    });
    checkGradients((x) => nb.concat(nb.split(x, [1, 2], 1).reverse(), 1), [v(6)], { shapes: [[2, 3]] });
    checkGradients(
      (x) =>
        nb.pad(
          x,
          [
            [1, 2],
            [0, 1],
          ],
          3,
        ),
      [v(4)],
      { shapes: [[2, 2]] },
    );
    checkGradients((x) => nb.reverse(x, [0, 1]), [v(6)], { shapes: [[2, 3]] });
    checkGradients((x) => nb.gather(x, [2, 0, 2, 2], 1), [v(6)], { shapes: [[2, 3]] });
    checkGradients((x) => nb.mul(nb.oneHot(nb.tensor([1, 0], [2], 'int32'), 3), x), [v(6)], { shapes: [[2, 3]] });
  });
});

describe('softmax and logSoftmax', () => {
  test('values along an axis, stable for large logits', async () => {
    const x = nb.tensor([
      [1, 2, 3],
      [1000, 1000, 1000],
    ]);
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    expectClose(await nb.softmax(x).data(), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3]);
    expectClose(await nb.logSoftmax(x).data(), [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)], 1e-6, 1e-6);
    expectClose(await nb.softmax(x, 0).slice([0, 0], [1, 3]).data(), [0, 0, 0]);
  });
  test('gradients', () => {
    checkGradients((x) => nb.softmax(x), [values(6)], { shapes: [[2, 3]] });
    checkGradients((x) => nb.logSoftmax(x, 0), [values(6)], { shapes: [[2, 3]] });
  });
});

describe('creation', () => {
  test('tensor from nested arrays, typed arrays, with shape and dtype', async () => {
    expect(
      nb.tensor([
        [1, 2],
        [3, 4],
      ]).shape,
    ).toEqual([2, 2]);
    expect(nb.tensor(new Int32Array([1, 2, 3])).dtype).toBe('int32');
    expect(nb.tensor(new Float64Array(6), [2, 3]).shape).toEqual([2, 3]);
    expect(nb.tensor(true).dtype).toBe('bool');
    expect(nb.tensor([]).shape).toEqual([0]);
    expect(await nb.tensor(3.5).item()).toBe(3.5);
  });
  test('zeros, ones, fill, *Like', async () => {
    expect(await nb.zeros([2]).array()).toEqual([0, 0]);
    expect(await nb.ones([1, 2], 'int32').array()).toEqual([[1, 1]]);
    expect(await nb.fill([2], 7).array()).toEqual([7, 7]);
    expect(await nb.zerosLike(nb.tensor([true])).array()).toEqual([false]);
    expect(await nb.onesLike(nb.tensor([[2, 3]])).array()).toEqual([[1, 1]]);
    expect(nb.zeros([0, 4]).shape).toEqual([0, 4]);
  });
  test('arange, linspace, eye', async () => {
    expect(await nb.arange(5).array()).toEqual([0, 1, 2, 3, 4]);
    expect(await nb.arange(1, 2, 0.25).array()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(await nb.arange(3, 0, -1, 'int32').array()).toEqual([3, 2, 1]);
    expect(await nb.linspace(0, 1, 5).array()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await nb.eye(2, 3).array()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });
  test('reads: data, array, item, sync variants, printing', async () => {
    const x = nb.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    expect(Array.from(x.dataSync())).toEqual([1.5, 2, 3, 4]);
    expect(x.arraySync()).toEqual([
      [1.5, 2],
      [3, 4],
    ]);
    expect(nb.scalar(2).itemSync()).toBe(2);
    expect(String(x)).toBe('Tensor float32 [2,2]\n[[1.5, 2.],\n [3., 4.]]');
    expect(String(nb.arange(20, undefined, 1, 'int32'))).toContain('[0, 1, 2, ..., 17, 18, 19]');
    // Reads are copies: writing to them leaves the tensor alone.
    const d = x.dataSync();
    d[0] = 99;
    expect(x.dataSync()[0]).toBe(1.5);
  });
});
