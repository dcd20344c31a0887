import { type Backend, DTYPES, type DType, type Graph, type TypedArray } from '@nabla/core';
import { compilePlan, type KernelOverrides, type Plan, planBytes, runPlan } from './plan.js';

/**
 * The CPU backend: buffers are typed arrays, a compiled graph is a Plan of kernels. Everything
 * is synchronous, so dataSync() and debug mode's op-by-op checks work here.
 */
export class CpuBackend implements Backend<TypedArray, Plan> {
  readonly capabilities = { dtypes: DTYPES, sync: true };

  /**
   * `overrides` replaces the kernels of some primitives: for experiments, and for the tests
   * that plant a wrong kernel to prove the conformance suite notices.
   */
  constructor(
    readonly name = 'cpu',
    private readonly overrides: KernelOverrides = {},
  ) {}

  upload(data: TypedArray): TypedArray {
    return data.slice() as TypedArray;
  }

  read(buffer: TypedArray): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer));
  }

  /** A copy: callers may write to it without changing the tensor. */
  readSync(buffer: TypedArray, _dtype?: DType, _size?: number): TypedArray {
    return buffer.slice() as TypedArray;
  }

  dispose(_buffer: TypedArray): void {
    // Typed arrays are garbage-collected; nothing to release.
  }

  compile(graph: Graph): Plan {
    return compilePlan(graph, this.overrides);
  }

  run(plan: Plan, inputs: TypedArray[]): TypedArray[] {
    return runPlan(plan, inputs);
  }

  /** A plan holds its scratch buffers between runs; its kernels are small beside them. */
  executableBytes(plan: Plan): number {
    return planBytes(plan);
  }
}
