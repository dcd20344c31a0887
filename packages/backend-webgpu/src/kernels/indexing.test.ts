import '@nabla/backend-cpu';
import '../index.js';
import { type DType, type Graph, type IndexCheck, sizeOf, type TypedArray } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { firstDifference, randomData, runGraph, seeded } from '../test-utils/kernel-harness.js';

/**
 * gather and scatterAdd against the CPU backend: results bit for bit (scatterAdd's float sums
 * included: both add in index order), and for bad indices the same error message.
 */
const GPU = 'webgpu';

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: () => number, xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const randomShape = (rand: () => number, rank: number, dims: readonly number[]) => Array.from({ length: rank }, () => pick(rand, dims));
const defaultCheck = (op: string, axis: number, n: number): IndexCheck => ({ op, what: 'index', range: `axis ${axis} of size ${n}` });

function gatherGraph(shape: number[], dtype: DType, indicesShape: number[], axis: number, check?: IndexCheck): Graph {
  const out = [...shape.slice(0, axis), ...indicesShape, ...shape.slice(axis + 1)];
  return {
    inputs: [
      { shape, dtype },
      { shape: indicesShape, dtype: 'int32' },
    ],
    nodes: [
      { op: 'gather', attrs: { axis, check: check ?? defaultCheck('gather', axis, shape[axis]) }, inputs: [0, 1], shape: out, dtype },
    ],
    outputs: [2],
  };
}

function scatterGraph(shape: number[], dtype: DType, indicesShape: number[], axis: number, check?: IndexCheck): Graph {
  const updates = [...shape.slice(0, axis), ...indicesShape, ...shape.slice(axis + 1)];
  return {
    inputs: [
      { shape: updates, dtype },
      { shape: indicesShape, dtype: 'int32' },
    ],
    nodes: [
      {
        op: 'scatterAdd',
        attrs: { axis, shape, check: check ?? defaultCheck('scatterAdd', axis, shape[axis]) },
        inputs: [0, 1],
        shape,
        dtype,
      },
    ],
    outputs: [2],
  };
}

/** Both backends give the same bits, or both fail with the same message. Returns the CPU's error, if any. */
async function expectSame(graph: Graph, data: TypedArray[], what: string): Promise<Error | undefined> {
  const cpu = await runGraph('cpu', graph, data);
  const gpu = await runGraph(GPU, graph, data);
  if (cpu instanceof Error) {
    expect(gpu instanceof Error ? gpu.message : 'no error', what).toBe(cpu.message);
    return cpu;
  }
  if (gpu instanceof Error) throw new Error(`${what}: ${gpu.message}`);
  expect(firstDifference(gpu[0], cpu[0]), what).toBeUndefined();
  return undefined;
}

/** Indices in [0, n), and with `bad` some replaced by values outside it. */
function randomIndices(rand: () => number, count: number, n: number, bad: boolean): Int32Array {
  const out = Int32Array.from({ length: count }, () => (n > 0 ? int(rand, 0, n - 1) : 0));
  if (bad || n === 0) {
    const hits = int(rand, 1, 3);
    for (let h = 0; h < hits && count > 0; h++) out[int(rand, 0, count - 1)] = pick(rand, [-1, n, n + 5, 2147483647, -2147483648, -n - 1]);
  }
  return out;
}

const DTYPES: DType[] = ['float32', 'int32', 'bool'];

describe('gather', () => {
  it('matches the CPU over random shapes, axes, index shapes and dtypes', async () => {
    const rand = seeded(21);
    for (let c = 0; c < 80; c++) {
      const rank = 1 + (c % 5);
      const shape = randomShape(rand, rank, [1, 2, 3, 5, 8]);
      const axis = int(rand, 0, rank - 1);
      const indicesShape = randomShape(rand, c % 4, [0, 1, 2, 3, 6]);
      const dtype = DTYPES[c % 3];
      const graph = gatherGraph(shape, dtype, indicesShape, axis);
      const data = [randomData(dtype, sizeOf(shape), rand), randomIndices(rand, sizeOf(indicesShape), shape[axis], false)];
      await expectSame(graph, data, `gather ${dtype} [${shape}] axis ${axis} indices [${indicesShape}]`);
    }
  });

  it('fails on the first out-of-range or negative index with the CPU message, empty outputs included', async () => {
    const rand = seeded(22);
    let errors = 0;
    for (let c = 0; c < 60; c++) {
      const rank = 1 + (c % 4);
      // Zeros among the dims: an empty x or output must still check every index.
      const shape = randomShape(rand, rank, [0, 1, 2, 4, 7]);
      const axis = int(rand, 0, rank - 1);
      const indicesShape = randomShape(rand, 1 + (c % 3), [1, 2, 3, 5]);
      const graph = gatherGraph(shape, 'float32', indicesShape, axis);
      const data = [randomData('float32', sizeOf(shape), rand), randomIndices(rand, sizeOf(indicesShape), shape[axis], true)];
      if (await expectSame(graph, data, `bad gather [${shape}] axis ${axis} indices [${indicesShape}] = [${data[1]}]`)) errors++;
    }
    expect(errors).toBe(60);
  });

  it('checks blocks: each index inside its own row, the offset reported, in the user shape', async () => {
    const rand = seeded(23);
    let errors = 0;
    for (let c = 0; c < 30; c++) {
      const rows = int(rand, 1, 40);
      const classes = int(rand, 1, 6);
      const labels = Int32Array.from({ length: rows }, (_, j) => j * classes + int(rand, 0, classes - 1));
      // Two thirds of the cases put a label outside its row (but often inside the axis).
      if (c % 3 !== 0) labels[int(rand, 0, rows - 1)] += pick(rand, [classes, -classes, 1 - classes * 2, -1 - labels[0], 2 ** 30]);
      const check: IndexCheck = {
        op: 'sparseCategoricalCrossentropy',
        what: 'label',
        range: `${classes} classes`,
        shape: [rows],
        block: classes,
      };
      const graph = gatherGraph([rows * classes], 'float32', [rows], 0, check);
      const data = [randomData('float32', rows * classes, rand), labels];
      if (await expectSame(graph, data, `block gather ${rows}x${classes} labels [${labels}]`)) errors++;
    }
    expect(errors).toBeGreaterThan(15);
  });

  it('gathers rows of a large table past one workgroup', async () => {
    const rand = seeded(24);
    const graph = gatherGraph([1000, 64], 'float32', [32, 128], 0);
    await expectSame(graph, [randomData('float32', 64_000, rand), randomIndices(rand, 4096, 1000, false)], 'embedding lookup');
  });
});

describe('scatterAdd', () => {
  it('matches the CPU bit for bit over random shapes, with many repeated indices', async () => {
    const rand = seeded(31);
    for (let c = 0; c < 80; c++) {
      const rank = 1 + (c % 4);
      const shape = randomShape(rand, rank, [1, 2, 3, 5, 9]);
      const axis = int(rand, 0, rank - 1);
      const indicesShape = randomShape(rand, c % 4, [0, 1, 2, 4, 7]);
      const dtype: DType = c % 2 ? 'float32' : 'int32';
      const graph = scatterGraph(shape, dtype, indicesShape, axis);
      const updates = randomData(dtype, sizeOf(graph.inputs[0].shape), rand);
      // Finite normal floats: WGSL arithmetic may flush subnormals, and NaN payloads are not bits to compare.
      if (dtype === 'float32') {
        for (let i = 0; i < updates.length; i++) if (!(Number.isFinite(updates[i]) && Math.abs(updates[i]) > 1e-30)) updates[i] = 0.25;
      }
      const data = [updates, randomIndices(rand, sizeOf(indicesShape), shape[axis], false)];
      await expectSame(graph, data, `scatterAdd ${dtype} [${shape}] axis ${axis} indices [${indicesShape}]`);
    }
  });

  it('sums in index order over more rows and indices than one workgroup holds', async () => {
    const rand = seeded(32);
    for (const [n, count, spread] of [
      [1000, 4096, 1000],
      [700, 3000, 3],
      [300, 1000, 1],
    ]) {
      const graph = scatterGraph([2, n, 3], 'float32', [count], 1);
      // Values of mixed magnitudes, so a different summation order would change the bits.
      const updates = Float32Array.from({ length: 2 * count * 3 }, () => (rand() - 0.5) * 10 ** int(rand, -3, 5));
      const indices = Int32Array.from({ length: count }, () => int(rand, 0, spread - 1));
      await expectSame(graph, [updates, indices], `scatterAdd into ${n} rows from ${count} indices over ${spread} rows`);
    }
  });

  it('takes an Embedding gradient (vocab 1000 x dim 64, 4096 indices)', async () => {
    const rand = seeded(33);
    const graph = scatterGraph([1000, 64], 'float32', [4096], 0);
    const updates = Float32Array.from({ length: 4096 * 64 }, () => rand() - 0.5);
    const indices = Int32Array.from({ length: 4096 }, () => Math.min(999, Math.floor(rand() ** 3 * 1000)));
    await expectSame(graph, [updates, indices], 'embedding gradient');
  });

  it('gives zeros for no indices', async () => {
    const graph = scatterGraph([3, 4], 'float32', [0], 0);
    const cpu = await expectSame(graph, [new Float32Array(0), new Int32Array(0)], 'no indices');
    expect(cpu).toBeUndefined();
  });

  it('fails on the first bad index with the CPU message, empty outputs included', async () => {
    const rand = seeded(34);
    let errors = 0;
    for (let c = 0; c < 60; c++) {
      const rank = 1 + (c % 4);
      const shape = randomShape(rand, rank, [0, 1, 2, 4, 7]);
      const axis = int(rand, 0, rank - 1);
      const indicesShape = randomShape(rand, 1 + (c % 3), [1, 2, 3, 5]);
      const graph = scatterGraph(shape, 'float32', indicesShape, axis);
      const data = [
        randomData('float32', sizeOf(graph.inputs[0].shape), rand),
        randomIndices(rand, sizeOf(indicesShape), shape[axis], true),
      ];
      if (await expectSame(graph, data, `bad scatterAdd [${shape}] axis ${axis} indices [${data[1]}]`)) errors++;
    }
    expect(errors).toBe(60);
  });

  it('refuses bool, which it would have to sum', async () => {
    const graph = scatterGraph([3], 'bool', [2], 0);
    const got = await runGraph(GPU, graph, [Uint8Array.from([1, 1]), Int32Array.from([0, 0])]);
    expect(got instanceof Error ? got.message : 'no error').toMatch(/scatterAdd of bool is not supported/);
  });
});
