import '@nabla/backend-cpu';
import '../index.js';
import type { Graph, GraphNode, TypedArray } from '@nabla/core';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, it } from 'vitest';
import { seeded } from '../test-utils/kernel-harness.js';
import type { KernelContext } from './kernel.js';
import { argMaxKernel, reduceKernel } from './reduce.js';

/**
 * sum, max, prod and argMax on webgpu against cpu through the public API: random shapes with
 * empty and size-1 axes, every subset of axes, float32 with NaN, infinities and signed zeros,
 * int32 sums and products that wrap, and axes long enough to take the chunked two-pass plans.
 * max, argMax and int32 agree bit for bit (max down to the sign of a zero); float32 sums and
 * products within the rounding of f32 arithmetic (the CPU accumulates in double).
 */

type Fn = 'sum' | 'max' | 'prod' | 'argMax';
type Kind = 'float32' | 'int32';

/**
 * Values for fn: prod's floats stay near 1 (so that a product of thousands neither overflows nor
 * vanishes) and its ints small or huge; float32 elsewhere includes NaN, infinities, -0 and ties.
 */
function values(dtype: Kind, fn: Fn, size: number, rand: () => number, specials: boolean): number[] {
  return Array.from({ length: size }, () => {
    const u = rand();
    if (dtype === 'int32') return fn === 'prod' && u < 0.9 ? Math.floor(rand() * 7) - 3 : Math.floor((rand() - 0.5) * 2 ** 32);
    if (fn === 'prod') return 0.999 + 0.002 * rand();
    if (specials && u < 0.04) return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0][Math.floor(u * 100)];
    if (u < 0.1) return [0, -0, 1, -1][Math.floor(u * 40)];
    return Math.round((rand() - 0.5) * 2000) / 16;
  });
}

function apply(fn: Fn, x: nb.Tensor, axes: number[]): nb.Tensor {
  if (fn === 'argMax') return nb.argMax(x, axes[0]);
  const f = fn === 'sum' ? nb.sum : fn === 'max' ? nb.max : nb.prod;
  return f(x, axes, true);
}

interface Result {
  data: TypedArray;
  shape: number[];
}

async function on(backend: string, fn: Fn, data: number[], shape: number[], dtype: Kind, axes: number[]): Promise<Result> {
  nb.setBackend(backend);
  const y = apply(fn, nb.tensor(data, shape, dtype), axes);
  return { data: await y.data(), shape: [...y.shape] };
}

/** sum_i |x_i| per output, on cpu: the scale of a sum's rounding. */
async function magnitudes(data: number[], shape: number[], axes: number[]): Promise<TypedArray> {
  nb.setBackend('cpu');
  return nb.sum(nb.abs(nb.tensor(data, shape, 'float32')), axes, true).data();
}

async function expectAgree(fn: Fn, dtype: Kind, data: number[], shape: number[], axes: number[]): Promise<void> {
  const what = `${fn} ${dtype} [${shape}] axes [${axes}]`;
  const want = await on('cpu', fn, data, shape, dtype, axes);
  const got = await on('webgpu', fn, data, shape, dtype, axes);
  expect(got.shape, what).toEqual(want.shape);
  expect(got.data.constructor, what).toBe(want.data.constructor);
  const m = axes.reduce((n, a) => n * shape[a], 1);
  const scale = fn === 'sum' && dtype === 'float32' ? await magnitudes(data, shape, axes) : undefined;
  for (let i = 0; i < want.data.length; i++) {
    const [g, w] = [got.data[i], want.data[i]];
    const at = `${what} at ${i}: ${g} vs ${w}`;
    if (Number.isNaN(w) || Number.isNaN(g)) expect([g, w], at).toEqual([Number.NaN, Number.NaN]);
    // Exact: what has one right answer, and the infinities of a float sum or product.
    else if (fn === 'max' || fn === 'argMax' || dtype === 'int32' || !Number.isFinite(w)) expect(Object.is(g, w), at).toBe(true);
    // f32 sums: a few ulps of the sum of magnitudes; products: of the product, per factor.
    else if (scale) expect(Math.abs(g - w), at).toBeLessThanOrEqual(2 ** -21 * scale[i] + 1e-30);
    else expect(Math.abs(g - w), at).toBeLessThanOrEqual(2 ** -22 * (m + 1) * Math.abs(w));
  }
}

/** A random shape of the rank with 0s and 1s among the dims, at most `cap` elements. */
function randomShape(rand: () => number, rank: number, cap: number): number[] {
  const dims = [0, 1, 1, 2, 3, 5, 7, 16, 33, 130];
  for (;;) {
    const shape = Array.from({ length: rank }, () => dims[Math.floor(rand() * dims.length)]);
    if (rand() > 0.1 && shape.includes(0)) continue;
    if (shape.reduce((a, b) => a * b, 1) <= cap) return shape;
  }
}

describe('reductions on webgpu against cpu', () => {
  afterAll(() => nb.setBackend('cpu'));

  it('random shapes and axes, every reduction and dtype', { timeout: 240_000 }, async () => {
    const rand = seeded(3);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + Math.floor(rand() * 4);
      const shape = randomShape(rand, rank, 5000);
      const axes = shape.map((_, i) => i).filter(() => rand() < 0.5);
      if (axes.length === 0) axes.push(Math.floor(rand() * rank));
      const fns: Fn[] = ['sum', 'prod', 'max', 'argMax'];
      for (const fn of fns) {
        const dtype: Kind = rand() < 0.5 ? 'float32' : 'int32';
        const own = fn === 'argMax' ? [axes[0]] : axes;
        // max and argMax of nothing are errors in core; sum and prod give their identity.
        if ((fn === 'max' || fn === 'argMax') && own.some((a) => shape[a] === 0)) continue;
        const size = shape.reduce((a, b) => a * b, 1);
        await expectAgree(fn, dtype, values(dtype, fn, size, rand, true), shape, own);
      }
    }
  });

  it('long axes: chunked passes over contiguous and strided axes, and a whole tensor', { timeout: 240_000 }, async () => {
    const rand = seeded(5);
    const cases: [number[], number[]][] = [
      [[20000], [0]], // one output: a workgroup per chunk, then a second pass over the chunks
      [[40000, 3], [0]], // a strided axis: an invocation per (output, chunk), then a second pass
      [[3, 6000], [1]], // few outputs over a contiguous axis
      [
        [30, 40, 20],
        [0, 2],
      ], // two axes that do not merge
    ];
    for (const [shape, axes] of cases) {
      const size = shape.reduce((a, b) => a * b, 1);
      for (const fn of ['sum', 'prod', 'max', 'argMax'] as Fn[]) {
        for (const dtype of ['float32', 'int32'] as Kind[]) {
          if (fn === 'argMax' && axes.length > 1) continue;
          await expectAgree(fn, dtype, values(dtype, fn, size, rand, true), shape, fn === 'argMax' ? [axes[0]] : axes);
        }
      }
    }
  });

  it('NaN beats every number, the first NaN or maximum wins, and -0 and +0 keep their order', async () => {
    const nan = Number.NaN;
    const inf = Number.POSITIVE_INFINITY;
    const rows = [
      [1, nan, 3, inf],
      [-inf, -inf, -inf, -inf],
      [inf, 2, inf, nan],
      [-0, 0, -0, 0],
      [0, -0, 0, -0],
      [-1, -0, -2, -0],
      [nan, nan, 1, 2],
      [2, 7, 7, 1],
    ];
    const data = rows.flat();
    for (const fn of ['max', 'argMax', 'sum', 'prod'] as Fn[]) await expectAgree(fn, 'float32', data, [8, 4], [1]);
    // And along a long axis, where the positions go through partials: the last of many equal
    // maxima loses to the first, and a NaN near the end still wins.
    const long: number[] = Array.from({ length: 30000 }, (_, i) => (i % 1000 === 7 ? 5 : 1));
    await expectAgree('argMax', 'float32', long, [30000], [0]);
    long[29990] = nan;
    await expectAgree('argMax', 'float32', long, [30000], [0]);
    await expectAgree('max', 'float32', long, [30000], [0]);
  });

  it('int32 sums and products wrap modulo 2^32', async () => {
    const big = [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, -(2 ** 31), 65536, 65536, 3, -7];
    await expectAgree('sum', 'int32', big, [2, 4], [1]);
    await expectAgree('prod', 'int32', big, [2, 4], [1]);
    await expectAgree('prod', 'int32', big, [8], [0]);
    nb.setBackend('webgpu');
    expect(Array.from(await nb.prod(nb.tensor([65536, 65536, 5], [3], 'int32')).data())).toEqual([0]);
    expect(Array.from(await nb.sum(nb.tensor([2 ** 31 - 1, 1], [2], 'int32')).data())).toEqual([-(2 ** 31)]);
  });

  it('empty reduced axes give the identity, and empty outputs nothing', async () => {
    nb.setBackend('webgpu');
    expect(Array.from(await nb.sum(nb.zeros([0, 3]), 0).data())).toEqual([0, 0, 0]);
    expect(Array.from(await nb.prod(nb.zeros([0, 3], 'int32'), 0).data())).toEqual([1, 1, 1]);
    expect(Array.from(await nb.sum(nb.zeros([3, 0]), 0).data())).toEqual([]);
    expect(Array.from(await nb.max(nb.zeros([3, 0]), 0).data())).toEqual([]);
  });

  it('gives the same bits on every run', async () => {
    const rand = seeded(9);
    const data = values('float32', 'sum', 50000, rand, false);
    nb.setBackend('webgpu');
    const runs = await Promise.all([0, 1, 2].map(() => nb.sum(nb.tensor(data, [50000])).data()));
    const bits = runs.map((r) => Array.from(new Uint32Array(r.buffer, r.byteOffset, r.length)));
    expect(bits[1]).toEqual(bits[0]);
    expect(bits[2]).toEqual(bits[0]);
  });
});

describe('reduction plans', () => {
  const limits = { maxInvocations: 256, maxStorageBuffers: 8, maxWorkgroupStorage: 16384 };
  function kernelFor(shape: number[], axes: number[], op: 'reduce' | 'argMax' = 'reduce', fn: 'sum' | 'max' = 'sum') {
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const attrs = op === 'reduce' ? { fn, axes } : { axis: axes[0] };
    const node = { op, attrs, inputs: [0], shape: outShape, dtype: op === 'argMax' ? 'int32' : 'float32' } as GraphNode;
    const graph: Graph = { inputs: [{ shape, dtype: 'float32' }], nodes: [node], outputs: [1] };
    const ctx: KernelContext = { graph, node, id: 1, limits, shapeOf: (id) => (id === 0 ? shape : outShape), dtypeOf: () => 'float32' };
    return op === 'reduce' ? reduceKernel(ctx) : argMaxKernel(ctx);
  }

  it('splits a long axis over many workgroups when there are few outputs (not one invocation per output)', () => {
    // The sum over 60,000 samples of a 784-wide batch: the gradient of a Dense layer's bias.
    const mnist = kernelFor([60000, 784], [0]);
    expect(mnist.passes.length).toBe(2);
    expect(mnist.passes[0].workgroups).toBeGreaterThanOrEqual(64);
    // All of a tensor: a workgroup per chunk first.
    const all = kernelFor([1000, 1000], [0, 1]);
    expect(all.passes.length).toBe(2);
    expect(all.passes[0].workgroups).toBeGreaterThanOrEqual(64);
    // argMax carries positions through the partials: two temps, values and positions.
    expect(kernelFor([100000], [0], 'argMax').temps?.length).toBe(2);
  });

  it('takes one pass when the outputs fill the device, and none for an empty output', () => {
    expect(kernelFor([64, 1000], [1]).passes.length).toBe(1);
    expect(kernelFor([4096, 10], [1]).passes.length).toBe(1);
    expect(kernelFor([0, 10], [1]).passes).toEqual([]);
  });

  it('keeps sizes out of the source', () => {
    const a = kernelFor([30, 40], [1], 'reduce', 'max').passes[0];
    const b = kernelFor([50, 70], [1], 'reduce', 'max').passes[0];
    expect(a.wgsl).toBe(b.wgsl);
    expect(Array.from(a.params)).not.toEqual(Array.from(b.params));
  });
});
