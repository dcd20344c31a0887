import type { DType, Graph, GraphNode, IndexCheck } from '@nabla/core';

/**
 * What a node compiles to: one or more compute passes, recorded once per executable and encoded
 * into the one command encoder of every run.
 *
 * A pass's WGSL never contains a shape: shapes, strides and sizes go in its uniform `params`, so
 * that one pipeline serves every shape of the same rank, dtype and pattern (pipelines are cached
 * by source). Binding layout, fixed for every kernel: binding 0 is the uniform block, then one
 * read-only storage binding per entry of `reads`, then one read_write binding per entry of
 * `writes` (see wgsl/prelude.ts, which writes these declarations).
 */
export type Ref =
  /** A graph value (an input or a node's result) by id. */
  | { value: number }
  /** One of the node's own scratch buffers (NodeKernel.temps), by index. */
  | { temp: number };

export interface Pass {
  wgsl: string;
  /** Uniform words (see ParamWriter); laid out by the kernel that wrote the WGSL. */
  params: Uint32Array;
  reads: Ref[];
  writes: Ref[];
  /** Workgroups to dispatch, in all: the backend spreads them over x and y past the per-dimension limit. */
  workgroups: number;
}

export interface NodeKernel {
  passes: Pass[];
  /** Bytes of each scratch buffer the passes use; zero-initialised before every run when `zeroTemps`. */
  temps?: number[];
  zeroTemps?: boolean;
  /**
   * Index checks to read back after the run. `temp` (zeroed before every run: set zeroTemps)
   * holds two u32 words: word 0 is 0xffffffff minus the flat position of the first bad index,
   * kept with atomicMax so that the first in flat order wins whatever the scheduling (0: every
   * index is in range); word 1 is the index found there, as i32 bits, written by a later pass.
   */
  checks?: { temp: number; check: IndexCheck; indicesShape: number[] }[];
}

/** What a kernel builder may know about the device. */
export interface KernelLimits {
  /** Invocations per workgroup that kernels may use (the adapter's, at most 256). */
  maxInvocations: number;
  /** Storage bindings per stage: caps a fused kernel's operands. */
  maxStorageBuffers: number;
  /** Bytes of workgroup memory. */
  maxWorkgroupStorage: number;
}

export interface KernelContext {
  graph: Graph;
  node: GraphNode;
  /** The node's value id. */
  id: number;
  limits: KernelLimits;
  shapeOf(id: number): number[];
  dtypeOf(id: number): DType;
}

export type KernelBuilder = (ctx: KernelContext) => NodeKernel;
