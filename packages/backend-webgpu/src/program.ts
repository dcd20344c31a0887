import { bytesPerElement, type DType, type Graph, type GraphNode, graphValue, type IndexCheck, NablaError, sizeOf } from '@nabla/core';
import { planFusion } from './fusion.js';
import { elementwiseKernel } from './kernels/elementwise.js';
import { gatherKernel, scatterAddKernel } from './kernels/indexing.js';
import type { KernelContext, KernelLimits, NodeKernel } from './kernels/kernel.js';
import { type MatmulVariant, matmulKernelWith } from './kernels/matmul.js';
import { concatKernel, padKernel, sliceKernel, transposeKernel } from './kernels/movement.js';
import { randomKernel } from './kernels/random.js';
import { argMaxKernel, reduceKernel } from './kernels/reduce.js';

/**
 * A graph compiled for the GPU: the list of dispatches recorded once, with their pipelines,
 * uniforms and buffer plan, that `run` encodes into one command encoder and one submit.
 *
 * Where each value lives: a graph input in the buffer fed at run time; a reshape shares its
 * operand's buffer (buffers are dense and row-major); a value that an output needs is written
 * straight into that output's fresh buffer; every other value gets a scratch buffer the program
 * keeps between runs, shared with values whose lives do not overlap (by size, as the CPU
 * backend plans its arrays). Values inlined into a fused kernel get nothing.
 */
export type Loc =
  | { kind: 'input'; index: number }
  | { kind: 'scratch'; slot: number }
  | { kind: 'output'; index: number }
  | { kind: 'temp'; slot: number };

export interface PlannedPass {
  label: string;
  wgsl: string;
  params: Uint32Array;
  reads: Loc[];
  writes: Loc[];
  workgroups: number;
}

export interface ProgramPlan {
  passes: PlannedPass[];
  /** Bytes of each scratch slot. */
  scratch: number[];
  /** Bytes of each node-owned temp, and whether it is zeroed before every run. */
  temps: { bytes: number; zero: boolean }[];
  checks: { temp: number; check: IndexCheck; indicesShape: number[] }[];
  /** Per graph output: its bytes, and where to copy it from when no node writes it directly. */
  outputs: { bytes: number; copyFrom?: Loc }[];
}

export const valueBytes = (shape: readonly number[], dtype: DType) => sizeOf(shape) * (dtype === 'bool' ? 4 : bytesPerElement(dtype));

function kernelFor(ctx: KernelContext, options: PlanOptions): NodeKernel {
  const node = ctx.node;
  switch (node.op) {
    case 'reduce':
      return reduceKernel(ctx);
    case 'argMax':
      return argMaxKernel(ctx);
    case 'matmul':
      return matmulKernelWith(options.matmul)(ctx);
    case 'transpose':
      return transposeKernel(ctx);
    case 'slice':
      return sliceKernel(ctx);
    case 'pad':
      return padKernel(ctx);
    case 'concat':
      return concatKernel(ctx);
    case 'gather':
      return gatherKernel(ctx);
    case 'scatterAdd':
      return scatterAddKernel(ctx);
    case 'random':
      return randomKernel(ctx);
    case 'unary':
    case 'binary':
    case 'where':
    case 'cast':
    case 'expand':
    case 'reshape':
      throw new NablaError(`webgpu: '${node.op}' is planned with the elementwise kernels`);
    default:
      return noKernel(node);
  }
}

/** Every primitive has a case above (`node` is `never` here): one added to core without a kernel fails to compile. */
function noKernel(node: never): never {
  throw new NablaError(`webgpu: no kernel for primitive '${(node as GraphNode).op}'`);
}

export interface PlanOptions {
  /** Fuse elementwise chains (fusion.ts). */
  fusion: boolean;
  /** The matmul kernel: 'auto' chooses per shape; the others are for benchmarks. */
  matmul: MatmulVariant;
}

export function planProgram(graph: Graph, limits: KernelLimits, options: PlanOptions): ProgramPlan {
  const nIn = graph.inputs.length;
  const shapeOf = (id: number) => graphValue(graph, id).shape;
  const dtypeOf = (id: number) => graphValue(graph, id).dtype;
  const { groups, inlined } = planFusion(graph, options.fusion, limits.maxStorageBuffers - 1);

  // Reshapes alias their operand; `rootOf` follows them to the value that owns a buffer.
  const root = new Map<number, number>();
  const rootOf = (id: number) => root.get(id) ?? id;
  graph.nodes.forEach((node, k) => {
    if (node.op === 'reshape') root.set(nIn + k, rootOf(node.inputs[0]));
  });

  // Kernels, and the last kernel that reads each buffer-owning value.
  const kernels: (NodeKernel | null)[] = graph.nodes.map((node, k) => {
    const id = nIn + k;
    if (node.op === 'reshape' || inlined.has(id)) return null;
    const ctx: KernelContext = { graph, node, id, limits, shapeOf, dtypeOf };
    const group = groups.get(id);
    return group ? elementwiseKernel(ctx, group) : kernelFor(ctx, options);
  });
  const lastUse = new Map<number, number>();
  kernels.forEach((kernel, k) => {
    for (const pass of kernel?.passes ?? []) for (const r of pass.reads) if ('value' in r) lastUse.set(rootOf(r.value), k);
  });
  for (const id of graph.outputs) lastUse.set(rootOf(id), Number.POSITIVE_INFINITY);

  // Outputs: the first output whose buffer-owning value is a node gets that node's writes.
  const locs = new Map<number, Loc>();
  for (let i = 0; i < nIn; i++) locs.set(i, { kind: 'input', index: i });
  const outputs: ProgramPlan['outputs'] = graph.outputs.map((id) => ({ bytes: valueBytes(shapeOf(id), dtypeOf(id)) }));
  graph.outputs.forEach((id, j) => {
    const r = rootOf(id);
    if (r >= nIn && !locs.has(r)) locs.set(r, { kind: 'output', index: j });
  });

  const scratch: number[] = [];
  const free = new Map<number, number[]>();
  const temps: ProgramPlan['temps'] = [];
  const checks: ProgramPlan['checks'] = [];
  const passes: PlannedPass[] = [];
  kernels.forEach((kernel, k) => {
    if (!kernel) return;
    const id = nIn + k;
    const node = graph.nodes[k];
    if (!locs.has(id)) {
      const bytes = valueBytes(node.shape, node.dtype);
      const slot = free.get(bytes)?.pop() ?? scratch.push(bytes) - 1;
      locs.set(id, { kind: 'scratch', slot });
    }
    const tempBase = temps.length;
    for (const bytes of kernel.temps ?? []) temps.push({ bytes, zero: kernel.zeroTemps === true });
    for (const c of kernel.checks ?? []) checks.push({ ...c, temp: tempBase + c.temp });
    const loc = (r: { value: number } | { temp: number }): Loc =>
      'value' in r ? (locs.get(rootOf(r.value)) as Loc) : { kind: 'temp', slot: tempBase + r.temp };
    for (const pass of kernel.passes) {
      if (pass.workgroups === 0) continue;
      passes.push({
        label: node.label ?? node.op,
        wgsl: pass.wgsl,
        params: pass.params,
        reads: pass.reads.map(loc),
        writes: pass.writes.map(loc),
        workgroups: pass.workgroups,
      });
    }
    // Scratch whose last reader is this kernel is free for the kernels after it.
    const released = new Set<number>();
    for (const pass of kernel.passes) {
      for (const r of pass.reads) {
        if (!('value' in r)) continue;
        const owner = rootOf(r.value);
        const l = locs.get(owner);
        if (lastUse.get(owner) === k && l?.kind === 'scratch' && !released.has(owner)) {
          released.add(owner);
          const bytes = scratch[l.slot];
          let list = free.get(bytes);
          if (!list) free.set(bytes, (list = []));
          list.push(l.slot);
        }
      }
    }
  });

  // Outputs that no node wrote directly (graph inputs, a value returned twice) are copied.
  graph.outputs.forEach((id, j) => {
    const l = locs.get(rootOf(id)) as Loc;
    if (!(l.kind === 'output' && l.index === j)) outputs[j].copyFrom = l;
  });
  return { passes, scratch, temps, checks, outputs };
}
