import { type Graph, type GraphNode, graphValue, sizeOf, type TypedArray } from '@nabla/core';
import { create, globals } from 'webgpu';
import type { KernelBuilder, KernelLimits } from '../kernels/kernel.js';

/**
 * TEST-ONLY: runs one matmul node through a chosen kernel builder on a Dawn device of its own,
 * so the tests can check every variant (the backend runs only 'auto') and time them. Not part
 * of the package's entry points.
 */
export interface MatmulCase {
  dtype: 'float32' | 'int32';
  a: { data: TypedArray; shape: number[] };
  b: { data: TypedArray; shape: number[] };
  transposeA: boolean;
  transposeB: boolean;
}

interface Device {
  /** Dawn's GPU object: the device fails once it is garbage-collected, so it is kept with it. */
  gpu: GPU;
  device: GPUDevice;
  limits: KernelLimits;
}

let devicePromise: Promise<Device> | undefined;

function getDevice(): Promise<Device> {
  devicePromise ??= (async () => {
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('matmul harness: no WebGPU adapter');
    const a = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
        maxBufferSize: a.maxBufferSize,
        maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
      },
    });
    const limits: KernelLimits = {
      maxInvocations: Math.min(256, a.maxComputeInvocationsPerWorkgroup, a.maxComputeWorkgroupSizeX),
      maxStorageBuffers: a.maxStorageBuffersPerShaderStage,
      maxWorkgroupStorage: a.maxComputeWorkgroupStorageSize,
    };
    return { gpu, device, limits };
  })();
  return devicePromise;
}

function graphOf(c: MatmulCase): Graph {
  const rank = c.a.shape.length;
  const m = c.transposeA ? c.a.shape[rank - 1] : c.a.shape[rank - 2];
  const n = c.transposeB ? c.b.shape[rank - 2] : c.b.shape[rank - 1];
  const shape = rank === 3 ? [c.a.shape[0], m, n] : [m, n];
  const node = {
    op: 'matmul',
    attrs: { transposeA: c.transposeA, transposeB: c.transposeB },
    inputs: [0, 1],
    shape,
    dtype: c.dtype,
  } as GraphNode;
  return {
    inputs: [
      { shape: c.a.shape, dtype: c.dtype },
      { shape: c.b.shape, dtype: c.dtype },
    ],
    nodes: [node],
    outputs: [2],
  };
}

const pipelines = new Map<string, GPUComputePipeline>();

function pipelineFor(device: GPUDevice, wgsl: string): GPUComputePipeline {
  let p = pipelines.get(wgsl);
  if (!p) {
    p = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: wgsl }), entryPoint: 'main' },
    });
    pipelines.set(wgsl, p);
  }
  return p;
}

const words = (n: number) => Math.max(16, Math.ceil((n * 4) / 16) * 16);

/**
 * Runs the case with `builder`; with `repeats`, also dispatches the passes that many more times
 * in one submit and returns the milliseconds per product (the first run, which compiles, is not timed).
 */
export async function runMatmul(builder: KernelBuilder, c: MatmulCase, repeats = 0): Promise<{ out: TypedArray; ms?: number }> {
  const { device, limits } = await getDevice();
  const graph = graphOf(c);
  const node = graph.nodes[0];
  const kernel = builder({
    graph,
    node,
    id: 2,
    limits,
    shapeOf: (id) => graphValue(graph, id).shape,
    dtypeOf: (id) => graphValue(graph, id).dtype,
  });
  const usage = 128 | 4 | 8; // STORAGE | COPY_SRC | COPY_DST
  const upload = (data: TypedArray) => {
    const buffer = device.createBuffer({ size: words(data.length), usage });
    if (data.length) device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  };
  const size = sizeOf(node.shape);
  const values = [upload(c.a.data), upload(c.b.data), device.createBuffer({ size: words(size), usage })];
  const temps = (kernel.temps ?? []).map((bytes) => device.createBuffer({ size: words(bytes / 4), usage }));
  device.pushErrorScope('validation');
  const encoded = kernel.passes
    .filter((p) => p.workgroups > 0)
    .map((pass) => {
      const pipeline = pipelineFor(device, pass.wgsl);
      const uniform = device.createBuffer({ size: pass.params.byteLength, usage: 64 | 8 });
      device.queue.writeBuffer(uniform, 0, pass.params.buffer, pass.params.byteOffset, pass.params.byteLength);
      const refs = [...pass.reads, ...pass.writes].map((r) => ('value' in r ? values[r.value] : temps[r.temp]));
      const entries = [uniform, ...refs].map((buffer, binding) => ({ binding, resource: { buffer } }));
      return { pipeline, group: device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), workgroups: pass.workgroups };
    });
  const submit = (times: number) => {
    const encoder = device.createCommandEncoder();
    for (let t = 0; t < times; t++) {
      for (const e of encoded) {
        const pass = encoder.beginComputePass();
        pass.setPipeline(e.pipeline);
        pass.setBindGroup(0, e.group);
        const x = Math.min(e.workgroups, 65535);
        pass.dispatchWorkgroups(x, Math.ceil(e.workgroups / x));
        pass.end();
      }
    }
    device.queue.submit([encoder.finish()]);
    return device.queue.onSubmittedWorkDone();
  };
  await submit(1);
  const error = await device.popErrorScope();
  if (error) throw new Error(`matmul harness: ${error.message}`);
  let ms: number | undefined;
  if (repeats > 0) {
    const start = performance.now();
    await submit(repeats);
    ms = (performance.now() - start) / repeats;
  }
  const staging = device.createBuffer({ size: words(size), usage: 1 | 8 }); // MAP_READ | COPY_DST
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(values[2], 0, staging, 0, words(size));
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(1);
  const bytes = staging.getMappedRange().slice(0, size * 4);
  staging.unmap();
  for (const b of [...values, ...temps, staging]) b.destroy();
  const out = c.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  return ms === undefined ? { out } : { out, ms };
}
