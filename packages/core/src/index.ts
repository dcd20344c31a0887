/**
 * @nabla/core: tensors, lazy graphs of primitives, reverse-mode autodiff, and the Backend
 * interface that execution backends plug into. Import a backend package to run anything.
 */
import './ops/methods.js';
import { collectTensors, type TensorContainer } from './engine/memory.js';
import { realize as realizeTensors } from './engine/realize.js';
import { engine } from './engine/state.js';
import type { Tensor } from './tensor.js';

export { backward, grad, type TensorTree, valueAndGrad, vjp } from './autodiff/grad.js';
export {
  type Backend,
  type BackendCapabilities,
  getBackend,
  getBackendInstance,
  listBackends,
  registerBackend,
  setBackend,
} from './backend.js';
export { broadcastStrides, collapseAxes, type MatmulDims, matmulDims, stridedOffsets } from './backend-shapes.js';
export { allocate, bytesPerElement, DTYPES, type DType, isFloat, type TypedArray } from './dtype.js';
export { type CacheLimits, type CacheStats, cacheStats, setCacheLimits } from './engine/cache.js';
export { type JitTree, type Jitted, jit } from './engine/jit.js';
export { dispose, keep, type MemoryInfo, memory, type TensorContainer, tidy } from './engine/memory.js';
export type { NestedArray } from './engine/read.js';
export { NablaError } from './errors.js';
export { type Graph, type GraphNode, type GraphValue, graphValue } from './graph.js';
export { checkIndices, firstBadIndex, indexError } from './indices.js';
export { type AttentionOptions, attentionWeights, dotProductAttention } from './ops/attention.js';
export {
  type ConvOptions,
  type ConvTransposeOptions,
  conv,
  conv1d,
  conv2d,
  convTranspose,
  depthwiseConv2d,
  separableConv2d,
} from './ops/conv.js';
export {
  arange,
  eye,
  fill,
  type HostArray,
  linspace,
  ones,
  onesLike,
  type ShapeLike,
  scalar,
  type TensorData,
  type TensorLike,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export * from './ops/elementwise.js';
export { stopGradient } from './ops/gradient-control.js';
export { type IndexNames, takeAlongLastAxis } from './ops/indexing.js';
export * from './ops/matmul.js';
export * from './ops/movement.js';
export { batchNorm, type Moments, moments } from './ops/normalization.js';
export { avgPool, maxPool, type PoolOptions } from './ops/pool.js';
export {
  argMax,
  argMin,
  logSumExp,
  max,
  mean,
  min,
  type NormOrd,
  norm,
  prod,
  type ReduceAxisArg,
  type ReduceOptions,
  sum,
  variance,
} from './ops/reduction.js';
export * from './ops/softmax.js';
export type { Padding } from './ops/windows.js';
export { type Check, checkArg, checkArity, checkOptions, describe, is, nearestKey, type OptionSchema } from './options.js';
export * from './primitives.js';
export { philox4x32, philoxUniform } from './random/philox.js';
export {
  type RandomNormal,
  type RandomNormalOptions,
  type RandomUniform,
  type RandomUniformOptions,
  randomCounter,
  randomNormal,
  randomUniform,
  type Seed,
  setSeed,
  truncatedNormal,
} from './random/random.js';
export type { Axis, Shape } from './shape.js';
export { broadcastShapes, shapesEqual, sizeOf, stridesOf } from './shape.js';
export type { Storage } from './tensor.js';
export { Tensor } from './tensor.js';

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
