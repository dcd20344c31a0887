import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import { afterEach, describe, expect, test } from 'vitest';
import './index.js';

/**
 * Convolution and pooling are compositions in core (pad, reshape, slice, concat, matmul,
 * elementwise ops); these cases check that the onnx backends run them, values and gradients, as
 * the cpu backend does, in the configurations that exercise every path of the composition.
 */

afterEach(() => nb.setBackend('cpu'));

function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  });
}

/** A function of (x, w) and how to make its operands; the loss projects its output on fixed weights. */
interface Case {
  name: string;
  x: number[];
  w: number[];
  f: (x: nb.Tensor, w: nb.Tensor) => nb.Tensor;
}

const CASES: Case[] = [
  {
    name: 'conv 2-D, stride 2, same, odd sizes',
    x: [2, 7, 5, 3],
    w: [3, 3, 3, 4],
    f: (x, w) => nb.conv(x, w, { strides: 2, padding: 'same' }),
  },
  { name: 'conv 1-D, dilation 2, groups 2', x: [2, 9, 4], w: [3, 2, 6], f: (x, w) => nb.conv(x, w, { dilations: 2, groups: 2 }) },
  {
    name: 'conv 3-D, explicit padding',
    x: [1, 4, 5, 3, 2],
    w: [2, 2, 2, 2, 3],
    f: (x, w) =>
      nb.conv(x, w, {
        padding: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      }),
  },
  { name: 'depthwise, multiplier 2', x: [2, 6, 6, 3], w: [3, 3, 3, 2], f: (x, w) => nb.depthwiseConv2d(x, w, 1, 'same') },
  {
    name: 'transposed, stride 2, same',
    x: [2, 4, 3, 2],
    w: [3, 3, 3, 2],
    f: (x, w) => nb.convTranspose(x, w, { strides: 2, padding: 'same' }),
  },
  { name: 'maxPool 3x3 stride 2 same, times w', x: [2, 7, 7, 2], w: [1, 1, 2], f: (x, w) => nb.mul(nb.maxPool(x, 3, 2, 'same'), w) },
  {
    name: 'avgPool 1-D stride 1 same, times w',
    x: [2, 8, 3],
    w: [1, 3],
    f: (x, w) => nb.mul(nb.avgPool(x, { poolSize: 3, strides: 1, padding: 'same' }), w),
  },
];

async function run(backend: string, c: Case): Promise<{ y: Float32Array; gx: Float32Array; gw: Float32Array }> {
  nb.setBackend(backend);
  const x = nb.tensor(
    values(
      c.x.reduce((a, b) => a * b),
      3,
    ),
    c.x,
  );
  const w = nb.tensor(
    values(
      c.w.reduce((a, b) => a * b),
      5,
    ),
    c.w,
  );
  const y = c.f(x, w);
  const weights = nb.tensor(values(y.size, 7), y.shape);
  const { grads } = nb.valueAndGrad(([a, b]: nb.Tensor[]) => nb.sum(nb.mul(c.f(a, b), weights)))([x, w]);
  const out = {
    y: (await y.data()) as Float32Array,
    gx: (await grads[0].data()) as Float32Array,
    gw: (await grads[1].data()) as Float32Array,
  };
  nb.dispose([x, w, y, weights, grads]);
  return out;
}

/** float32 sums of up to a few dozen products, added in different orders: 1e-5 relative to the largest. */
function expectNear(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= 1e-5 * scale)) expect.fail(`${what} at ${i}: got ${actual[i]}, cpu ${expected[i]}`);
  }
}

describe.each(['onnx', 'onnx-wasm'])('%s: convolution and pooling as on cpu', (backend) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s: values and both gradients', async (_, c) => {
    const want = await run('cpu', c);
    const got = await run(backend, c);
    expectNear(got.y, want.y, 'value');
    expectNear(got.gx, want.gx, 'gradient of x');
    expectNear(got.gw, want.gw, 'gradient of w');
  });

  test('a jitted conv training step matches cpu, step for step', async () => {
    const step = (on: string) => {
      nb.setBackend(on);
      return nb.jit(({ k, x }: { k: nb.Tensor; x: nb.Tensor }) => {
        const { value, grads } = nb.valueAndGrad((p: nb.Tensor) => nb.mean(nb.square(nb.relu(nb.conv(x, p, { padding: 'same' })))))(k);
        return { loss: value, k: nb.sub(k, nb.mul(grads, 0.1)) };
      });
    };
    const losses: number[][] = [];
    for (const on of ['cpu', backend]) {
      const f = step(on);
      let k = nb.tensor(values(3 * 3 * 2 * 4, 11), [3, 3, 2, 4]);
      const x = nb.tensor(values(4 * 6 * 6 * 2, 13), [4, 6, 6, 2]);
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const out = await f({ k, x });
        seen.push((await out.loss.item()) as number);
        nb.dispose([k, out.loss]);
        k = out.k;
      }
      losses.push(seen);
      nb.dispose([k, x]);
      f.dispose();
    }
    for (const [i, l] of losses[1].entries()) expect(l).toBeCloseTo(losses[0][i], 5);
  });
});
