import { allocate, type DType, type Graph, getBackendInstance, graphValue, sizeOf, type TypedArray } from '@nabla/core';

/**
 * Test helpers for the movement, indexing and random kernels (a -harness file: left out of
 * dist). runGraph runs a graph of primitives on a named backend through the Backend interface,
 * so that a kernel is compared with the CPU backend's node for node; it returns the outputs or
 * the error.
 */
export async function runGraph(backend: string, graph: Graph, inputs: TypedArray[]): Promise<TypedArray[] | Error> {
  try {
    const b = getBackendInstance(backend);
    const buffers = inputs.map((data, i) => b.upload(data, graph.inputs[i].dtype, graph.inputs[i].shape));
    const exe = await b.compile(graph);
    const outs = await b.run(exe, buffers);
    return await Promise.all(
      outs.map((o, i) => b.read(o, graphValue(graph, graph.outputs[i]).dtype, sizeOf(graphValue(graph, graph.outputs[i]).shape))),
    );
  } catch (e) {
    return e as Error;
  }
}

/** A seeded generator (mulberry32), so that a failing random case can be reproduced. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Host data of a dtype with the values that trip word-moving code: NaN, -0, infinities, subnormals. */
export function randomData(dtype: DType, size: number, rand: () => number): TypedArray {
  const out = allocate(dtype, size, 'test', [size]);
  const specials = [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -3e-42];
  for (let i = 0; i < size; i++) {
    const u = rand();
    if (dtype === 'bool') out[i] = u < 0.5 ? 1 : 0;
    else if (dtype === 'int32') out[i] = Math.floor((u - 0.5) * 2 ** 32);
    else out[i] = u < 0.1 ? specials[Math.floor(u * 60)] : (u - 0.5) * 100;
  }
  return out;
}

/** The 32-bit words of a result (bool's bytes widened), so that comparisons are bitwise. */
export function bits(a: TypedArray): number[] {
  if (a instanceof Float32Array || a instanceof Int32Array) return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  return Array.from(a);
}

/**
 * Where two results first differ in bits (bool's bytes as words), or undefined when they are
 * equal: a short failure message where a diff of large arrays would take vitest minutes.
 */
export function firstDifference(got: TypedArray, want: TypedArray): string | undefined {
  if (got.constructor !== want.constructor) return `got a ${got.constructor.name}, want a ${want.constructor.name}`;
  if (got.length !== want.length) return `got ${got.length} elements, want ${want.length}`;
  const g = bits(got);
  const w = bits(want);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) return `element ${i}: got ${got[i]} (0x${g[i].toString(16)}), want ${want[i]} (0x${w[i].toString(16)})`;
  }
  return undefined;
}
