/**
 * @nabla/core: tensors, lazy graphs of primitives, reverse-mode autodiff, and the Backend
 * interface that execution backends plug into. Import a backend package to run anything.
 */
import './ops/methods.js';
import { realize as realizeTensors } from './engine/realize.js';
import { engine } from './engine/state.js';
import type { Tensor } from './tensor.js';
import { collectTensors, type TensorContainer } from './engine/memory.js';

export { Tensor } from './tensor.js';
export type { Storage } from './tensor.js';
export { NablaError } from './errors.js';
export { type DType, type TypedArray, DTYPES, allocate } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, sizeOf, stridesOf } from './shape.js';
export type { Graph, GraphNode, GraphValue } from './graph.js';
export * from './primitives.js';
export {
  type Backend,
  type BackendCapabilities,
  registerBackend,
  setBackend,
  getBackend,
  getBackendInstance,
  listBackends,
} from './backend.js';
export { dispose, keep, tidy, memory, type MemoryInfo, type TensorContainer } from './engine/memory.js';
export { cacheStats } from './engine/realize.js';
export type { NestedArray } from './engine/read.js';

export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/reduction.js';
export * from './ops/matmul.js';
export * from './ops/movement.js';
export * from './ops/softmax.js';
export { stopGradient } from './ops/gradient-control.js';
export { setSeed, randomUniform, randomNormal, truncatedNormal, type RandomUniformOptions, type RandomNormalOptions } from './random/random.js';
export { philox4x32, philoxUniform } from './random/philox.js';
export { grad, valueAndGrad, vjp, backward, type TensorTree } from './autodiff/grad.js';

/** Computes every tensor in the argument (one graph, one backend call) without reading it back. */
export async function realize(...values: TensorContainer[]): Promise<void> {
  const ts: Tensor[] = [];
  for (const v of values) collectTensors(v, ts);
  const byBackend = new Map<string, Tensor[]>();
  for (const t of ts) {
    const list = byBackend.get(t.backend) ?? [];
    list.push(t);
    byBackend.set(t.backend, list);
  }
  for (const list of byBackend.values()) await realizeTensors(list);
}

/**
 * Debug mode: throw at the first op whose output holds NaN or Infinity, naming it. On a
 * synchronous backend every op then runs as it is called, so the stack points at the culprit.
 */
export function setDebug(on: boolean): void {
  engine.debug = on;
}
export function isDebug(): boolean {
  return engine.debug;
}
