import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';
import { refPool, samePads } from '../test-utils/windows-reference.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** The integer input the TensorFlow.js literals below were computed from. */
const X = (shape: number[]) =>
  nb.tensor(
    Array.from({ length: size(shape) }, (_, i) => ((i * 7) % 11) - 5),
    shape,
  );

describe('maxPool and avgPool: values', () => {
  test('hand-computed 2x2 windows, and a 1-D pool', async () => {
    const x = nb.tensor([1, 5, 2, 0, 3, 4, 8, 6, 7, 1, 0, 2, 9, 3, 4, 4], [1, 4, 4, 1]);
    expect(Array.from(await nb.maxPool(x, 2).data())).toEqual([5, 8, 9, 4]);
    expect(Array.from(await nb.avgPool(x, 2).data())).toEqual([13 / 4, 16 / 4, 20 / 4, 10 / 4]);
    expect(Array.from(await nb.maxPool(nb.tensor([1, 3, 2, 5, 4], [1, 5, 1]), { poolSize: 2, strides: 1 }).data())).toEqual([3, 3, 5, 5]);
  });

  // Computed by TensorFlow.js 4.22 (tf.maxPool, tf.avgPool) from the integer input X.
  test("TensorFlow.js values: 'same' on odd sizes with stride 2 (padding never counts)", async () => {
    const max = nb.maxPool(X([1, 5, 5, 1]), 3, 2, 'same');
    expect(max.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(await max.data())).toEqual([4, 5, 5, 4, 4, 5, 3, 4, 2]);
    const avg = nb.avgPool(X([1, 5, 5, 1]), 2, 2, 'same');
    expect(Array.from(await avg.data())).toEqual([-0.5, -0.25, 2, -2, 1, 0.5, 1, -1.5, -2]);
  });

  test('the naive reference over ranks 1-3, strides and paddings', async () => {
    const cases: [number[], number[], number[], 'valid' | 'same' | [number, number][]][] = [
      [[2, 9, 3], [3], [2], 'same'],
      [[1, 8, 2], [2], [3], 'valid'],
      [[2, 7, 6, 2], [3, 2], [2, 2], 'same'],
      [[1, 7, 7, 3], [2, 2], [2, 2], 'valid'],
      [
        [1, 6, 5, 1],
        [3, 3],
        [1, 2],
        [
          [1, 1],
          [2, 0],
        ],
      ],
      [[1, 5, 6, 4, 2], [2, 3, 2], [2, 2, 1], 'same'],
    ];
    for (const [i, [xs, pool, s, pad]] of cases.entries()) {
      const x = { data: values(size(xs), -1, 1, i + 1), shape: xs };
      const pads = pool.map((k, a): [number, number] =>
        pad === 'valid' ? [0, 0] : pad === 'same' ? samePads(xs[a + 1], k, s[a], 1) : pad[a],
      );
      for (const kind of ['max', 'avg'] as const) {
        const expected = refPool(x, pool, s, pads, kind);
        const f = kind === 'max' ? nb.maxPool : nb.avgPool;
        const y = f(nb.tensor(x.data, xs, 'float64'), { poolSize: pool, strides: s, padding: pad });
        expect(y.shape).toEqual(expected.shape);
        expectClose(await y.data(), expected.data, 1e-12, 1e-12);
      }
    }
  });

  test('strides default to the pool size; positional and options forms agree', async () => {
    const x = nb.tensor(values(2 * 6 * 6 * 2, -1, 1, 9), [2, 6, 6, 2]);
    expect(nb.maxPool(x, 3).shape).toEqual([2, 2, 2, 2]);
    expect(nb.avgPool(x, [2, 3], null, 'same').shape).toEqual([2, 3, 2, 2]);
    expectClose(
      await nb.avgPool(x, [2, 3], [1, 2], 'same').data(),
      await nb.avgPool(x, { poolSize: [2, 3], strides: [1, 2], padding: 'same' }).data(),
    );
  });

  test('max pooling: NaN wins its window; -Infinity beside the padding stays -Infinity', async () => {
    const x = nb.tensor([1, Number.NaN, 2, 3, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], [1, 6, 1]);
    expect(Array.from(await nb.maxPool(x, 2).data())).toEqual([Number.NaN, 3, Number.NEGATIVE_INFINITY]);
    const edge = nb.maxPool(nb.tensor([Number.NEGATIVE_INFINITY, 1, 2], [1, 3, 1]), { poolSize: 3, strides: 2, padding: 'same' });
    expect(Array.from(await edge.data())).toEqual([1, 2]);
    const alone = nb.maxPool(nb.tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], [1, 2, 1]), {
      poolSize: 3,
      strides: 1,
      padding: 'same',
    });
    expect(Array.from(await alone.data())).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });
});

describe('maxPool and avgPool: gradients', () => {
  test('float64 central differences: overlapping windows, same padding, odd sizes', () => {
    // Distinct values, so that every window has one maximum (the gradient is defined).
    const data = values(2 * 5 * 5 * 2, -1, 1, 4);
    for (const pool of [nb.maxPool, nb.avgPool]) {
      checkGradients((x) => pool(x, { poolSize: 3, strides: 2, padding: 'same' }), [data], { shapes: [[2, 5, 5, 2]] });
      checkGradients((x) => pool(x, { poolSize: [2], strides: 1 }), [data.slice(0, 14)], { shapes: [[2, 7, 1]] });
    }
  });

  test("a tie sends the gradient to the window's first maximum in row-major order, as TensorFlow does", async () => {
    const x = nb.tensor([0, 2, 2, 1, 2, 0, 0, 2], [1, 2, 4, 1]);
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.maxPool(t, 2)))(x);
    expect(Array.from(await g.data())).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
  });
});

describe('maxPool and avgPool: argument errors', () => {
  const x = nb.ones([1, 4, 4, 2]);
  test.each([
    [
      () => nb.maxPool(nb.ones([4, 4]), 2),
      'maxPool: x must be [batch, ...spatial, channels] with 1 to 3 spatial axes (rank 3 to 5), got [4,4]',
    ],
    [() => nb.avgPool(x, {}), 'avgPool: poolSize is required'],
    [
      () => nb.maxPool(x, 0),
      'maxPool: poolSize must be a positive integer or a list of 2 positive integers (one per spatial axis), got 0 (number)',
    ],
    [() => nb.maxPool(x, [2, 2, 2]), 'maxPool: poolSize must be a positive integer or a list of 2 positive integers'],
    [() => nb.maxPool(x, 2, -1), 'maxPool: strides must be a positive integer'],
    [() => nb.avgPool(x, 2, 2, 'full' as 'same'), "avgPool: padding must be 'valid', 'same' or 2 pairs [before, after]"],
    [() => nb.maxPool(x, 5), "maxPool: spatial axis 0 of size 4 gives no output for a window of 5, stride 5 and padding [0,0] ('valid')"],
    [() => nb.maxPool(nb.ones([1, 4, 4, 2], 'int32'), 2), 'maxPool: x must be a float tensor, got int32'],
    [() => nb.maxPool(x, { poolSize: 2 }, 2), 'maxPool: 2 (number) given after an options object; put it in the options'],
    [() => nb.avgPool(x, { poolSize: 2, stride: 1 } as nb.PoolOptions), "avgPool: unknown option 'stride'; did you mean 'strides'?"],
  ])('%#', (f, message) => {
    expect(f).toThrow(nb.NablaError);
    expect(f).toThrow(message);
  });
});
