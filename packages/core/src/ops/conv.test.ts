import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, expectClose, values } from '../test-utils/gradcheck.js';
import { refConv, refConvTranspose, samePads, type Tensorish } from '../test-utils/windows-reference.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number): Tensorish => ({ data: values(size(shape), -1, 1, seed), shape });
const f64 = (t: Tensorish) => nb.tensor(t.data, t.shape, 'float64');
/** The integer inputs the TensorFlow.js literals below were computed from. */
const X = (shape: number[]) =>
  nb.tensor(
    Array.from({ length: size(shape) }, (_, i) => ((i * 7) % 11) - 5),
    shape,
  );
const K = (shape: number[]) =>
  nb.tensor(
    Array.from({ length: size(shape) }, (_, i) => ((i * 5) % 7) - 3),
    shape,
  );

async function expectTensor(t: nb.Tensor, shape: number[], data: number[], tol = 1e-5): Promise<void> {
  expect(t.shape).toEqual(shape);
  expectClose(await t.data(), data, tol, tol);
}

describe('conv: values', () => {
  test('hand-computed: a 1-D difference filter and a 2-D sum of corners', async () => {
    // [1, 2, 4, 7] with [1, 0, -1]: x[i] - x[i + 2].
    await expectTensor(nb.conv(nb.tensor([1, 2, 4, 7], [1, 4, 1]), nb.tensor([1, 0, -1], [3, 1, 1])), [1, 2, 1], [-3, -5]);
    // A 3x3 image, kernel picking the four corners of each 2x2 window with dilation 2: one output.
    const x = nb.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    await expectTensor(nb.conv(x, nb.ones([2, 2, 1, 1]), { dilations: 2 }), [1, 1, 1, 1], [1 + 3 + 7 + 9]);
    // 'same' with stride 2 on 3x3: SAME pads one on each side; outputs at the corners, each a 2x2 sum.
    await expectTensor(nb.conv(x, nb.ones([3, 3, 1, 1]), { strides: 2, padding: 'same' }), [1, 2, 2, 1], [12, 16, 24, 28]);
  });

  // Computed by TensorFlow.js 4.22 (tf.conv2d, tf.depthwiseConv2d, tf.conv1d, tf.separableConv2d)
  // from the integer inputs X and K: every product and sum is exact.
  test('TensorFlow.js values: stride 2 with same padding on odd sizes, dilation, depthwise, conv1d, separable', async () => {
    await expectTensor(
      nb.conv2d(X([1, 5, 5, 2]), K([3, 3, 2, 2]), 2, 'same'),
      [1, 3, 3, 2],
      [29, 34, -64, -4, 23, 2, 30, 16, -4, 49, 23, -17, -24, -41, 43, 32, -54, 0],
    );
    await expectTensor(
      nb.conv2d(X([1, 6, 5, 1]), K([2, 2, 1, 2]), 1, 'valid', 'NHWC', 2),
      [1, 4, 3, 2],
      [10, -13, -19, -5, 7, -19, 8, -17, -21, 13, 16, 10, 17, 12, 10, -13, -19, -5, 15, 8, 8, -17, -21, 13],
    );
    await expectTensor(
      nb.depthwiseConv2d(X([1, 5, 4, 2]), K([3, 3, 2, 2]), 2, 'same'),
      [1, 3, 2, 4],
      [11, -6, 8, 22, -18, 7, 7, -6, 20, -15, -12, 8, 16, 20, 8, -5, 11, -21, 14, -13, -19, 5, 6, -3],
    );
    await expectTensor(nb.conv1d(X([1, 7, 2]), K([4, 2, 1]), 2, 'same'), [1, 4, 1], [3, 29, -22, -3]);
    await expectTensor(
      nb.separableConv2d(X([1, 4, 4, 2]), K([3, 3, 2, 1]), K([1, 1, 2, 2]), 1, 'valid'),
      [1, 2, 2, 2],
      [-39, 94, -12, -56, -30, 44, -69, 26],
    );
  });

  test('the naive reference over ranks 1-3, strides, dilations, paddings and groups', async () => {
    const cases: { x: number[]; k: number[]; s: number[]; d: number[]; pad: 'valid' | 'same' | [number, number][]; g: number }[] = [
      { x: [2, 9, 3], k: [3, 3, 4], s: [2], d: [1], pad: 'same', g: 1 },
      { x: [1, 10, 2], k: [4, 1, 4], s: [1], d: [3], pad: 'valid', g: 2 },
      { x: [2, 7, 6, 2], k: [3, 2, 2, 3], s: [2, 3], d: [1, 1], pad: 'same', g: 1 },
      { x: [1, 9, 8, 4], k: [3, 3, 2, 6], s: [1, 2], d: [2, 1], pad: 'same', g: 2 },
      { x: [1, 6, 6, 3], k: [2, 2, 1, 6], s: [2, 2], d: [1, 1], pad: 'valid', g: 3 },
      {
        x: [1, 6, 7, 3],
        k: [3, 3, 1, 3],
        s: [1, 1],
        d: [1, 2],
        pad: [
          [2, 0],
          [1, 3],
        ],
        g: 3,
      },
      { x: [2, 5, 5, 2], k: [5, 5, 2, 2], s: [3, 3], d: [1, 1], pad: 'same', g: 1 },
      { x: [1, 4, 5, 3], k: [1, 1, 3, 2], s: [2, 1], d: [1, 1], pad: 'valid', g: 1 },
      { x: [1, 5, 4, 6, 2], k: [2, 3, 2, 2, 3], s: [2, 1, 3], d: [1, 1, 1], pad: 'same', g: 1 },
    ];
    for (const [i, c] of cases.entries()) {
      const x = rand(c.x, i + 1);
      const k = rand(c.k, i + 11);
      const rank = c.x.length - 2;
      const pads = Array.from({ length: rank }, (_, a): [number, number] =>
        c.pad === 'valid' ? [0, 0] : c.pad === 'same' ? samePads(c.x[a + 1], c.k[a], c.s[a], c.d[a]) : c.pad[a],
      );
      const expected = refConv(x, k, c.s, c.d, pads, c.g);
      const y = nb.conv(f64(x), f64(k), { strides: c.s, dilations: c.d, padding: c.pad, groups: c.g });
      await expectTensor(y, expected.shape, expected.data, 1e-12);
    }
  });

  test('float32 in, float32 out; a float64 operand promotes', async () => {
    const x = nb.ones([1, 3, 3, 1]);
    expect(nb.conv(x, nb.ones([2, 2, 1, 1])).dtype).toBe('float32');
    expect(nb.conv(x, nb.ones([2, 2, 1, 1], 'float64')).dtype).toBe('float64');
  });
});

describe('conv2d and conv1d: TensorFlow.js call forms', () => {
  const x = nb.tensor(values(2 * 6 * 5 * 3, -1, 1, 5), [2, 6, 5, 3]);
  const k = nb.tensor(values(3 * 3 * 3 * 2, -1, 1, 6), [3, 3, 3, 2]);

  test('positional and options forms agree; numeric and 4-pair explicit pads; one unbatched example', async () => {
    const byOptions = await nb
      .conv(x, k, {
        strides: [2, 1],
        padding: [
          [1, 1],
          [1, 1],
        ],
        dilations: 1,
      })
      .data();
    expectClose(await nb.conv2d(x, k, [2, 1], 1).data(), byOptions);
    expectClose(
      await nb
        .conv2d(
          x,
          k,
          [2, 1],
          [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ],
        )
        .data(),
      byOptions,
    );
    expectClose(
      await nb
        .conv2d(x, k, {
          strides: [2, 1],
          padding: [
            [1, 1],
            [1, 1],
          ],
        })
        .data(),
      byOptions,
    );
    const one = nb.conv2d(nb.slice(x, [1], [1]).reshape([6, 5, 3]), k, 1, 'same');
    expect(one.shape).toEqual([6, 5, 2]);
    expectClose(await one.data(), await nb.slice(nb.conv2d(x, k, 1, 'same'), [1], [1]).data());
    const x1 = nb.tensor(values(7 * 2, -1, 1, 7), [7, 2]);
    const k1 = nb.tensor(values(3 * 2 * 4, -1, 1, 8), [3, 2, 4]);
    expect(nb.conv1d(x1, k1, 2, 'same').shape).toEqual([4, 4]);
    expectClose(
      await nb.conv1d(x1, k1, 2, 'same', 'NWC', 1).data(),
      await nb.conv(x1.reshape([1, 7, 2]), k1, { strides: 2, padding: 'same' }).data(),
    );
  });

  test('a channels-first data format, or arguments after an options object, are errors', () => {
    expect(() => nb.conv2d(x, k, 1, 'same', 'NCHW' as 'NHWC')).toThrow(
      "conv2d: dataFormat must be 'NHWC' (nabla is channels-last), got 'NCHW' (string)",
    );
    expect(() => nb.conv1d(nb.ones([1, 5, 3]), nb.ones([2, 3, 1]), 1, 'same', 'NCW' as 'NWC')).toThrow("conv1d: dataFormat must be 'NWC'");
    expect(() => nb.conv2d(x, k, { strides: 1 }, 'same')).toThrow(
      "conv2d: 'same' (string) given after an options object; put it in the options",
    );
    expect(() =>
      nb.conv2d(x, k, 1, [
        [1, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    ).toThrow('conv2d: explicit padding of the batch and channel axes must be [0, 0]');
    expect(() => nb.conv2d(x, k, 1, 1.5)).toThrow('conv2d: a numeric pad must be a non-negative integer, got 1.5');
    expect(() => nb.conv2d(x, nb.ones([3, 3, 3]), 1)).toThrow(
      'conv2d: the filter must be [fh, fw, cin / groups, cout] of rank 4, got [3,3,3]',
    );
    expect(() => nb.conv2d(nb.ones([3, 3]), k, 1)).toThrow('conv2d: x must be of rank 4 (batched) or 3 (one example), got [3,3]');
  });
});

describe('convTranspose: values and Keras output sizes', () => {
  test('TensorFlow.js values (tf.conv2dTranspose at the Keras output size)', async () => {
    await expectTensor(
      nb.convTranspose(X([1, 3, 3, 1]), K([3, 3, 2, 1]), { strides: 2, padding: 'same' }),
      [1, 6, 6, 2],
      [
        15, -10, 0, 10, -21, -1, 0, -4, 12, -2, 0, 4, 5, 15, -10, 0, 8, -21, 4, 0, -2, 12, -4, 0, -20, 15, 15, -20, 14, 15, -6, 2, 10, -7,
        6, 2, -5, -15, 10, 0, -11, 12, 2, 0, 1, 12, -6, 0, -7, 3, -15, 2, 13, -7, -3, 2, 9, -7, 9, 2, -4, -12, 8, 0, -8, 12, 0, 0, 4, 12,
        -8, 0,
      ],
    );
    await expectTensor(
      nb.convTranspose(X([1, 2, 3, 2]), K([3, 3, 1, 2]), { strides: 2 }),
      [1, 5, 7, 1],
      [
        19, -4, 3, -10, -10, 6, 0, -1, -10, 3, -4, 27, 2, -11, -19, 19, 19, 10, -22, 1, -2, -4, 8, -13, -8, 33, -2, -13, 4, -12, -7, 18, -2,
        -7, 10,
      ],
    );
  });

  test('the scatter definition over strides, dilations, output padding and ranks 1 and 2', async () => {
    // [x shape, kernel shape, strides, dilations, padding, outputPadding, expected spatial output]
    const cases: [number[], number[], number[], number[], 'valid' | 'same', number[] | null, number[]][] = [
      [[2, 4, 2], [3, 3, 2], [2], [1], 'valid', null, [9]], // in * s + max(k - s, 0)
      [[1, 4, 1], [2, 2, 1], [3], [1], 'valid', null, [12]], // kernel below the stride: in * s
      [[1, 3, 2], [3, 1, 2], [2], [1], 'same', null, [6]],
      [[1, 3, 3, 2], [3, 3, 2, 2], [2, 2], [1, 1], 'same', [1, 1], [6, 6]], // (in - 1) s + k - 2 floor(k/2) + op
      [[1, 3, 4, 1], [3, 2, 3, 1], [2, 3], [1, 1], 'valid', [1, 2], [8, 13]],
      [[2, 4, 3, 2], [3, 3, 1, 2], [1, 1], [2, 2], 'same', null, [4, 3]],
      [[1, 3, 3, 1], [3, 3, 2, 1], [2, 1], [2, 1], 'valid', null, [9, 5]], // dilated span 5: 3 * 2 + 5 - 2
    ];
    for (const [i, [xs, ks, s, d, pad, op, expectedOut]] of cases.entries()) {
      const x = rand(xs, i + 21);
      const k = rand(ks, i + 31);
      const y = nb.convTranspose(f64(x), f64(k), { strides: s, dilations: d, padding: pad, outputPadding: op });
      expect(y.shape.slice(1, -1)).toEqual(expectedOut);
      const before = expectedOut.map((n, a) => (pad === 'same' ? samePads(n, ks[a], s[a], d[a])[0] : 0));
      const expected = refConvTranspose(x, k, expectedOut, s, d, before);
      await expectTensor(y, expected.shape, expected.data, 1e-12);
    }
  });
});

describe('conv: gradients (float64, central differences)', () => {
  const grads = (f: (x: nb.Tensor, k: nb.Tensor) => nb.Tensor, xs: number[], ks: number[]) =>
    checkGradients(f, [values(size(xs), -1, 1, 3), values(size(ks), -1, 1, 4)], { shapes: [xs, ks] });

  test('stride 2 with same padding on odd sizes', () =>
    grads((x, k) => nb.conv(x, k, { strides: 2, padding: 'same' }), [2, 5, 5, 2], [3, 3, 2, 3]));
  test('dilation and groups', () =>
    grads((x, k) => nb.conv(x, k, { dilations: [2, 1], groups: 2, padding: 'same' }), [1, 5, 4, 4], [2, 2, 2, 4]));
  test('1-D with explicit padding', () => grads((x, k) => nb.conv(x, k, { strides: 2, padding: [[2, 1]] }), [2, 6, 2], [3, 2, 2]));
  test('depthwise with a multiplier', () => grads((x, k) => nb.depthwiseConv2d(x, k, 2, 'same'), [1, 5, 5, 2], [3, 3, 2, 2]));
  test('transposed, stride 2, same padding, output padding', () =>
    grads((x, k) => nb.convTranspose(x, k, { strides: 2, padding: 'same', outputPadding: 1 }), [1, 3, 3, 2], [3, 3, 2, 2]));
  test('separable', () => {
    checkGradients(
      (x, d, pw) => nb.separableConv2d(x, d, pw, 1, 'same'),
      [values(2 * 4 * 4 * 2, -1, 1, 5), values(18, -1, 1, 6), values(6, -1, 1, 7)],
      {
        shapes: [
          [2, 4, 4, 2],
          [3, 3, 2, 1],
          [1, 1, 2, 3],
        ],
      },
    );
  });
});

describe('conv: argument errors', () => {
  const x = nb.ones([1, 5, 5, 3]);
  const k = nb.ones([3, 3, 3, 4]);
  test.each([
    [
      () => nb.conv(x, nb.ones([3, 3])),
      'conv: the kernel must be [...window, cin / groups, cout] of rank 3 to 5 (1 to 3 spatial axes), got [3,3]',
    ],
    [
      () => nb.conv(nb.ones([5, 5, 3]), k),
      'conv: x must be [batch, ...spatial, channels] of rank 4 for a kernel of 2 spatial axes [3,3,3,4], got [5,5,3]',
    ],
    [() => nb.conv(x, nb.ones([3, 3, 2, 4])), "conv: the kernel [3,3,2,4] takes 2 input channels, expected 3, x's channels (x [1,5,5,3])"],
    [() => nb.conv(x, nb.ones([3, 3, 1, 4]), { groups: 2 }), 'conv: groups 2 must divide the input channels 3 and the output channels 4'],
    [
      () => nb.conv(nb.ones([1, 5, 5, 4]), nb.ones([3, 3, 1, 4]), { groups: 2 }),
      "conv: the kernel [3,3,1,4] takes 1 input channels, expected 2, x's 4 channels over 2 groups",
    ],
    [
      () => nb.conv(x, k, { strides: 0 }),
      'conv: strides must be a positive integer or a list of 2 positive integers (one per spatial axis), got 0 (number)',
    ],
    [() => nb.conv(x, k, { strides: [1, 1, 1] }), 'conv: strides must be a positive integer or a list of 2 positive integers'],
    [() => nb.conv(x, k, { dilations: 1.5 }), 'conv: dilations must be a positive integer'],
    [() => nb.conv(x, k, { groups: 0 }), "conv: option 'groups' must be a positive integer, got 0 (number)"],
    [() => nb.conv(x, k, { padding: 'SAME' as 'same' }), "conv: padding must be 'valid', 'same' or 2 pairs [before, after]"],
    [() => nb.conv(x, k, { padding: [[1, 1]] }), "conv: padding must be 'valid', 'same' or 2 pairs"],
    [
      () =>
        nb.conv(x, k, {
          padding: [
            [1, -1],
            [0, 0],
          ],
        }),
      "conv: padding must be 'valid', 'same' or 2 pairs",
    ],
    [
      () => nb.conv(x, nb.ones([7, 1, 3, 4])),
      "conv: spatial axis 0 of size 5 gives no output for a window of 7, stride 1 and padding [0,0] ('valid')",
    ],
    [
      () => nb.conv(x, k, { dilations: 3 }),
      "conv: spatial axis 0 of size 5 gives no output for a window of 3 (dilated to 7), stride 1 and padding [0,0] ('valid')",
    ],
    [() => nb.conv(nb.ones([1, 5, 5, 3], 'int32'), k), 'conv: x must be a float tensor, got int32'],
    [() => nb.conv(x, k, { stride: 2 } as nb.ConvOptions), "conv: unknown option 'stride'; did you mean 'strides'?"],
    [() => nb.conv(nb.ones([0, 5, 5, 3]), k), 'conv: x [0,5,5,3] and kernel [3,3,3,4] make an empty output'],
    [
      () => nb.convTranspose(x, nb.ones([3, 3, 4, 2])),
      'convTranspose: the kernel [3,3,4,2] takes 2 input channels (its last axis), x [1,5,5,3] has 3',
    ],
    [
      () => nb.convTranspose(x, nb.ones([3, 3, 4, 3]), { strides: 2, outputPadding: 2 }),
      'convTranspose: outputPadding 2 on spatial axis 0 must be smaller than the stride 2',
    ],
    [
      () => nb.convTranspose(x, nb.ones([2, 2, 4, 3]), { strides: 2, padding: 'same', outputPadding: 0 }),
      "convTranspose: an output of spatial sizes [8,8] convolves back to [4,4], not x's [5,5]",
    ],
    [() => nb.depthwiseConv2d(x, nb.ones([3, 3, 2, 1])), 'depthwiseConv2d: the filter [3,3,2,1] takes 2 input channels, x [1,5,5,3] has 3'],
    [
      () => nb.separableConv2d(x, nb.ones([3, 3, 3, 2]), nb.ones([1, 1, 3, 4])),
      'separableConv2d: the pointwise filter must be [1, 1, 6, cout] after a depthwise filter [3,3,3,2], got [1,1,3,4]',
    ],
  ])('%#', (f, message) => {
    expect(f).toThrow(nb.NablaError);
    expect(f).toThrow(message);
  });
});
