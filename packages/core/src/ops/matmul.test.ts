import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';

function refMatmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out.push(s);
    }
  }
  return out;
}

const transpose2 = (x: number[], r: number, c: number) => Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]);

describe('matmul: values', () => {
  test('sizes around block edges, all transposes', async () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [2, 3, 4],
      [5, 1, 7],
      [17, 33, 9],
      [65, 70, 3],
      [1, 0, 4],
      [0, 3, 2],
    ]) {
      const a = values(m * k, -1, 1, m + k);
      const b = values(k * n, -1, 1, n + 7);
      const expected = refMatmul(a, b, m, k, n);
      const ta = nb.tensor(a, [m, k], 'float64');
      const tb = nb.tensor(b, [k, n], 'float64');
      expectClose(await nb.matmul(ta, tb).data(), expected, 1e-12, 1e-12);
      const aT = nb.tensor(transpose2(a, m, k), [k, m], 'float64');
      const bT = nb.tensor(transpose2(b, k, n), [n, k], 'float64');
      expectClose(await nb.matmul(aT, tb, { transposeA: true }).data(), expected, 1e-12, 1e-12);
      expectClose(await nb.matmul(ta, bT, { transposeB: true }).data(), expected, 1e-12, 1e-12);
      expectClose(await nb.matmul(aT, bT, { transposeA: true, transposeB: true }).data(), expected, 1e-12, 1e-12);
      // A transposed (non-contiguous) operand, and float32.
      expectClose(await nb.matmul(aT.transpose(), tb).data(), expected, 1e-12, 1e-12);
      expectClose(await nb.matmul(nb.tensor(a, [m, k]), nb.tensor(b, [k, n])).data(), expected, 1e-5, 1e-5);
    }
  });

  test('batched with broadcast batch axes; vectors', async () => {
    const a = nb.tensor(values(2 * 3 * 4, -1, 1, 1), [2, 1, 3, 4]);
    const b = nb.tensor(values(5 * 4 * 2, -1, 1, 2), [5, 4, 2]);
    const c = nb.matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    const a1 = nb.slice(a, [1, 0, 0, 0], [1, 1, 3, 4]).reshape([3, 4]);
    const b3 = nb.slice(b, [3, 0, 0], [1, 4, 2]).reshape([4, 2]);
    expectClose(await nb.slice(c, [1, 3, 0, 0], [1, 1, 3, 2]).data(), await nb.matmul(a1, b3).data());
    expect(nb.matmul(nb.ones([4]), nb.ones([4, 2])).shape).toEqual([2]);
    expect(nb.matmul(nb.ones([3, 4]), nb.ones([4])).shape).toEqual([3]);
    expect(await nb.matmul(nb.tensor([1, 2, 3]), nb.tensor([4, 5, 6])).item()).toBe(32);
    expect(
      await nb
        .dot(
          nb.tensor([1, 2]),
          nb.tensor([
            [1, 2],
            [3, 4],
          ]),
        )
        .array(),
    ).toEqual([7, 10]);
  });

  test('int32 matmul', async () => {
    const a = nb.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'int32',
    );
    expect(await nb.matmul(a, a).array()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  test('inner dimensions must agree', () => {
    expect(() => nb.matmul(nb.ones([2, 3]), nb.ones([4, 5]))).toThrow('matmul: inner dimensions differ: [2,3] x [4,5]');
    expect(() => nb.matmul(nb.ones([2, 3, 4]), nb.ones([3, 4, 5]))).toThrow(/matmul: shapes cannot be broadcast/);
    expect(() => nb.matmul(nb.scalar(1), nb.ones([1]))).toThrow(/rank >= 1/);
  });
});

describe('matmul: gradients (float64)', () => {
  test('plain, transposed and batched', () => {
    const a = values(6, -1, 1, 3);
    const b = values(12, -1, 1, 4);
    checkGradients((x, y) => nb.matmul(x, y), [a, b], {
      shapes: [
        [2, 3],
        [3, 4],
      ],
    });
    checkGradients((x, y) => nb.matmul(x, y, { transposeA: true }), [a, b], {
      shapes: [
        [3, 2],
        [3, 4],
      ],
    });
    checkGradients((x, y) => nb.matmul(x, y, { transposeB: true }), [a, b], {
      shapes: [
        [2, 3],
        [4, 3],
      ],
    });
    checkGradients((x, y) => nb.matmul(x, y, { transposeA: true, transposeB: true }), [a, b], {
      shapes: [
        [3, 2],
        [4, 3],
      ],
    });
    checkGradients((x, y) => nb.matmul(x, y), [values(12, -1, 1, 5), values(6, -1, 1, 6)], {
      shapes: [
        [2, 2, 3],
        [3, 2],
      ],
    });
    checkGradients((x, y) => nb.matmul(x, y), [values(3), values(3, -1, 1, 2)]);
    checkGradients((x, y) => nb.dot(x, y), [values(3), values(6, -1, 1, 2)], { shapes: [[3], [3, 2]] });
  });
});

describe('a stack of rows times one matrix', () => {
  test('is each row times the matrix, for rank 3 and 4, a vector on the right, and empty stacks', async () => {
    const a = nb.tensor(values(2 * 3 * 4), [2, 3, 4]);
    const b = nb.tensor(values(4 * 5, -1, 1, 2), [4, 5]);
    const rows = await nb.matmul(nb.reshape(a, [6, 4]), b).data();
    expect(nb.matmul(a, b).shape).toEqual([2, 3, 5]);
    expect(await nb.matmul(a, b).data()).toEqual(rows);
    expect(await nb.matmul(nb.reshape(a, [1, 2, 3, 4]), b).data()).toEqual(rows);
    expect(nb.matmul(a, nb.ones([4])).shape).toEqual([2, 3]);
    expect(nb.matmul(a, nb.ones([5, 4]), false, true).shape).toEqual([2, 3, 5]);
    expect(nb.matmul(nb.zeros([2, 0, 4]), b).shape).toEqual([2, 0, 5]);
  });

  test('gradients of both operands (float64)', () => {
    checkGradients((a, b) => nb.matmul(a, b), [values(2 * 3 * 4), values(4 * 2, -1, 1, 3)], {
      shapes: [
        [2, 3, 4],
        [4, 2],
      ],
    });
    checkGradients((a, b) => nb.matmul(a, b, false, true), [values(2 * 3 * 4), values(2 * 4, -1, 1, 3)], {
      shapes: [
        [2, 3, 4],
        [2, 4],
      ],
    });
  });
});
