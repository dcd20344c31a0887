import '@nabla/backend-cpu';
import '../index.js';
import type { Graph, GraphNode, TypedArray } from '@nabla/core';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, it } from 'vitest';
import { seeded } from '../test-utils/kernel-harness.js';
import { type MatmulCase, runMatmul } from '../test-utils/matmul-harness.js';
import type { KernelContext } from './kernel.js';
import { matmulKernel, matmulKernelWith, matmulVariants } from './matmul.js';

/**
 * matmul on webgpu against cpu: every variant (through a harness, since the backend runs only
 * 'auto') and 'auto' through the public API, over sizes that are not multiples of the tiles,
 * batch 3, every transpose, empty operands, vectors, int32 products that wrap, NaN and infinities.
 * float32 results agree within the rounding of f32 sums (the CPU adds in double); int32 exactly.
 */

/** int32 anywhere in its range (so that products and sums wrap); float32 in [-5, 5] with a few NaNs and infinities when `specials`. */
function randomData(dtype: 'float32' | 'int32', size: number, rand: () => number, specials: boolean): TypedArray {
  if (dtype === 'int32') return Int32Array.from({ length: size }, () => Math.floor((rand() - 0.5) * 2 ** 32));
  return Float32Array.from({ length: size }, () => {
    const u = rand();
    if (specials && u < 0.005) return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][Math.floor(u * 600)];
    return (rand() - 0.5) * 10;
  });
}

function caseOf(
  dtype: 'float32' | 'int32',
  batch: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
  rand: () => number,
): MatmulCase {
  const lead = batch > 0 ? [batch] : [];
  const aShape = [...lead, ...(tA ? [k, m] : [m, k])];
  const bShape = [...lead, ...(tB ? [n, k] : [k, n])];
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  return {
    dtype,
    a: { data: randomData(dtype, size(aShape), rand, false), shape: aShape },
    b: { data: randomData(dtype, size(bShape), rand, true), shape: bShape },
    transposeA: tA,
    transposeB: tB,
  };
}

async function onCpu(c: MatmulCase): Promise<{ out: TypedArray; bound: TypedArray }> {
  nb.setBackend('cpu');
  const a = nb.tensor(c.a.data, c.a.shape, c.dtype);
  const b = nb.tensor(c.b.data, c.b.shape, c.dtype);
  const out = await nb.matmul(a, b, c.transposeA, c.transposeB).data();
  // sum_p |a||b|: how large the rounding of an f32 sum of the products may be.
  const bound = await nb.matmul(nb.abs(a), nb.abs(b), c.transposeA, c.transposeB).data();
  return { out, bound };
}

function expectAgree(got: TypedArray, want: TypedArray, bound: TypedArray, k: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) expect([g, w], `${what} at ${i}`).toEqual([Number.NaN, Number.NaN]);
    else if (want instanceof Int32Array || !Number.isFinite(w)) expect(g, `${what} at ${i}`).toBe(w);
    // k products, each rounded, summed in f32: a few ulps of the sum of their magnitudes per step.
    else if (g !== w) expect(Math.abs(g - w), `${what} at ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(2 ** -22 * (k + 2) * bound[i]);
  }
}

type Size = [batch: number, m: number, n: number, k: number];
type Case = { dtype: 'float32' | 'int32'; size: Size; tA: boolean; tB: boolean };
const BOTH = [false, true];
const everyTranspose = (dtype: Case['dtype'], size: Size): Case[] => BOTH.flatMap((tA) => BOTH.map((tB) => ({ dtype, size, tA, tB })));

// [batch (0: rank 2), m, n, k]: edges of 4 and of both tiles, vectors, empties, batch 3.
const SIZES: Size[] = [
  [0, 5, 7, 3],
  [0, 64, 64, 64],
  [3, 33, 65, 17],
  [3, 70, 9, 130],
  [0, 1, 37, 100],
  [3, 37, 1, 100],
  [0, 1, 1, 300],
  [0, 8, 12, 16],
  [3, 1, 20, 64],
  [0, 129, 1, 70],
  [0, 0, 5, 3],
  [3, 4, 0, 3],
  [3, 4, 3, 0],
];
const ALL_VEC: Size = [0, 64, 64, 64]; // every axis a multiple of 4: vec4 loads and stores in every layout
const NO_VEC: Size = [3, 33, 65, 17]; // none: scalar loads and stores, partial tiles everywhere

/**
 * The cases per variant. A tiled shader takes SwiftShader seconds to compile, one per dtype,
 * transpose pair and vec4 choice, so the tiled variants take the two layouts that cover those
 * choices (the empty cases reuse their sources); the cheap kernels take every size.
 */
function casesFor(variant: (typeof matmulVariants)[number]): Case[] {
  if (variant === 'tiled' || variant === 'tiled32') {
    return [
      ...everyTranspose('float32', ALL_VEC),
      ...everyTranspose('float32', NO_VEC),
      { dtype: 'float32', size: [3, 4, 3, 0], tA: false, tB: false },
      { dtype: 'float32', size: [0, 0, 5, 3], tA: true, tB: false },
      { dtype: 'int32', size: NO_VEC, tA: false, tB: false },
      { dtype: 'int32', size: NO_VEC, tA: true, tB: true },
      { dtype: 'int32', size: ALL_VEC, tA: false, tB: true },
    ];
  }
  if (variant === 'auto') {
    // Its choices are the variants above, each checked in every layout: here, that every size reaches a right one.
    return SIZES.flatMap((size): Case[] => [
      { dtype: 'float32', size, tA: false, tB: false },
      { dtype: 'float32', size, tA: true, tB: true },
      { dtype: 'int32', size, tA: false, tB: true },
    ]);
  }
  const sizes = variant === 'matvec' ? SIZES.filter(([, m, n]) => m === 1 || n === 1) : SIZES;
  return sizes.flatMap((size) => [...everyTranspose('float32', size), ...everyTranspose('int32', size)]);
}

const describeCase = (c: Case) => `${c.dtype} b${c.size[0]} ${c.size[1]}x${c.size[3]} @ ${c.size[3]}x${c.size[2]} tA=${c.tA} tB=${c.tB}`;

describe('matmul variants on webgpu against cpu', () => {
  afterAll(() => nb.setBackend('cpu'));
  const rand = seeded(7);
  for (const variant of matmulVariants) {
    it(`${variant}: transposes, edges, empties, float32 and int32`, { timeout: 240_000 }, async () => {
      const builder = matmulKernelWith(variant);
      const cases = casesFor(variant);
      for (const c of cases) {
        const [batch, m, n, k] = c.size;
        const mc = caseOf(c.dtype, batch, m, n, k, c.tA, c.tB, rand);
        const want = await onCpu(mc);
        const got = await runMatmul(builder, mc);
        expectAgree(got.out, want.out, want.bound, k, `${variant} ${describeCase(c)}`);
      }
      expect(cases.length).toBeGreaterThan(8);
    });
  }

  it('gives the same bits twice', async () => {
    const c = caseOf('float32', 0, 100, 90, 300, false, true, rand);
    const first = await runMatmul(matmulKernel, c);
    const second = await runMatmul(matmulKernel, c);
    expect(Array.from(second.out)).toEqual(Array.from(first.out));
  });
});

describe('matmul through the webgpu backend', () => {
  afterAll(() => nb.setBackend('cpu'));
  const rand = seeded(11);
  // What 'auto' picks: 32 x 32 tiles (vec4 and not), mat-vec with and without lanes, empties.
  const cases: Case[] = [
    { dtype: 'float32', size: [0, 5, 7, 3], tA: false, tB: true },
    { dtype: 'float32', size: ALL_VEC, tA: true, tB: false },
    { dtype: 'float32', size: [3, 37, 1, 100], tA: false, tB: false },
    { dtype: 'float32', size: [0, 1, 1, 300], tA: true, tB: true },
    { dtype: 'float32', size: [0, 1, 37, 100], tA: false, tB: false },
    { dtype: 'float32', size: [3, 4, 3, 0], tA: false, tB: false },
    { dtype: 'float32', size: [0, 0, 5, 3], tA: false, tB: false },
    { dtype: 'int32', size: [0, 5, 7, 3], tA: false, tB: true },
    { dtype: 'int32', size: [3, 37, 1, 100], tA: false, tB: false },
  ];
  it('agrees with cpu on what auto chooses', { timeout: 240_000 }, async () => {
    for (const c of cases) {
      const [batch, m, n, k] = c.size;
      const mc = caseOf(c.dtype, batch, m, n, k, c.tA, c.tB, rand);
      const want = await onCpu(mc);
      nb.setBackend('webgpu');
      const a = nb.tensor(mc.a.data, mc.a.shape, c.dtype);
      const b = nb.tensor(mc.b.data, mc.b.shape, c.dtype);
      const got = await nb.matmul(a, b, c.tA, c.tB).data();
      expectAgree(got, want.out, want.bound, k, describeCase(c));
    }
  });
});

describe('matmul kernel choice', () => {
  const limits = { maxInvocations: 256, maxStorageBuffers: 8, maxWorkgroupStorage: 16384 };
  function kernelFor(m: number, n: number, k: number, variant?: (typeof matmulVariants)[number], l = limits) {
    const node = {
      op: 'matmul',
      attrs: { transposeA: false, transposeB: false },
      inputs: [0, 1],
      shape: [m, n],
      dtype: 'float32',
    } as GraphNode;
    const graph: Graph = {
      inputs: [
        { shape: [m, k], dtype: 'float32' },
        { shape: [k, n], dtype: 'float32' },
      ],
      nodes: [node],
      outputs: [2],
    };
    const ctx: KernelContext = {
      graph,
      node,
      id: 2,
      limits: l,
      shapeOf: (id) => (id === 0 ? [m, k] : id === 1 ? [k, n] : [m, n]),
      dtypeOf: () => 'float32',
    };
    return (variant ? matmulKernelWith(variant) : matmulKernel)(ctx);
  }

  it('keeps sizes out of the source: one pipeline for every size of a variant and layout', () => {
    const a = kernelFor(200, 300, 64).passes[0];
    const b = kernelFor(260, 196, 128).passes[0];
    expect(a.wgsl).toBe(b.wgsl);
    expect(Array.from(a.params)).not.toEqual(Array.from(b.params));
  });

  it('uses the mat-vec kernel for vectors and tiles otherwise', () => {
    expect(kernelFor(1, 500, 64).passes[0].wgsl).toBe(kernelFor(1, 30, 64, 'matvec').passes[0].wgsl);
    expect(kernelFor(512, 512, 64).passes[0].wgsl).toBe(kernelFor(100, 100, 64, 'tiled').passes[0].wgsl);
    expect(kernelFor(512, 512, 64).passes[0].workgroups).toBe(64);
    expect(kernelFor(40, 40, 64).passes[0].wgsl).toBe(kernelFor(100, 100, 64, 'tiled32').passes[0].wgsl);
  });

  it('falls back within the device limits, and says which variant cannot run', () => {
    const small = { ...limits, maxInvocations: 64 };
    expect(kernelFor(512, 512, 64, undefined, small).passes[0].wgsl).toBe(kernelFor(512, 512, 64, 'tiled32').passes[0].wgsl);
    expect(() => kernelFor(512, 512, 64, 'tiled', small)).toThrow(
      "webgpu: matmul variant 'tiled' needs more than this device's workgroup limits",
    );
    expect(() => kernelFor(5, 5, 5, 'matvec')).toThrow("webgpu: matmul variant 'matvec' needs m or n to be 1, got m=5, n=5");
    expect(() => matmulKernelWith('fast' as 'tiled')).toThrow(
      "webgpu: matmul variant must be one of auto, tiled, tiled32, matvec, simple, got 'fast'",
    );
  });

  it('dispatches nothing for an empty output', () => {
    expect(kernelFor(0, 5, 3).passes).toEqual([]);
  });
});
