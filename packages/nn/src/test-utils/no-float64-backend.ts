import { CpuBackend } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';

/**
 * A backend without float64, as WebGPU is (WGSL has no f64): the CPU backend's kernels, listing
 * only float32, int32 and bool. Tests run fit, evaluate, predict or the conformance suite on it
 * to prove that nothing on their path makes a float64 tensor the user did not ask for.
 *
 * Core refuses a dtype a backend does not list, when a tensor is uploaded or an op recorded,
 * naming the backend. This backend checks again below core, in `upload` and `compile`, with a
 * message of its own: if a float64 value ever reached it, core's check would have a hole, and the
 * test that hit it would say so rather than pass on the CPU kernels.
 */
export const NO_FLOAT64_DTYPES: readonly nb.DType[] = ['float32', 'int32', 'bool'];

export class NoFloat64Backend extends CpuBackend {
  override readonly capabilities = { dtypes: NO_FLOAT64_DTYPES, sync: true };

  override upload(data: nb.TypedArray, dtype?: nb.DType, shape: readonly number[] = [data.length]): nb.TypedArray {
    if (dtype === undefined || !NO_FLOAT64_DTYPES.includes(dtype)) throw this.leaked(`an upload of ${dtype} [${shape.join(',')}]`);
    return super.upload(data);
  }

  override compile(graph: nb.Graph): ReturnType<CpuBackend['compile']> {
    const values: { dtype: nb.DType; what: string }[] = [
      ...graph.inputs.map((v, i) => ({ dtype: v.dtype, what: `graph input ${i}` })),
      ...graph.nodes.map((n) => ({ dtype: n.dtype, what: `a ${n.op} node (op '${n.label ?? n.op}')` })),
    ];
    const bad = values.find((v) => !NO_FLOAT64_DTYPES.includes(v.dtype));
    if (bad) throw this.leaked(`${bad.what} of dtype ${bad.dtype} in a compiled graph`);
    return super.compile(graph);
  }

  private leaked(what: string): Error {
    return new Error(`${this.name}: core let ${what} reach a backend that lists only ${NO_FLOAT64_DTYPES.join(', ')}`);
  }
}

/** Registers a NoFloat64Backend under `name` (once; later calls reuse it) and returns the name. */
export function registerNoFloat64Backend(name = 'cpu-no-float64'): string {
  if (!nb.listBackends().includes(name)) nb.registerBackend(name, () => new NoFloat64Backend(name));
  return name;
}
