import {
  allocate,
  type DType,
  type Graph,
  getBackendInstance,
  graphValue,
  indexError,
  NablaError,
  sizeOf,
  type TypedArray,
} from '@nabla/core';
import { create, globals } from 'webgpu';
import type { KernelBuilder, NodeKernel, Ref } from './kernel.js';

/**
 * TEST-ONLY stand-in for the backend's program runner, used by the movement, indexing and
 * random kernel tests until src/backend.ts exists: it runs a graph whose nodes all have a
 * builder here, one buffer per value, and raises index errors from the check temps as the
 * backend must. Every buffer is at least 4 bytes (WebGPU binds no empty buffer).
 */
export class KernelHarness {
  private constructor(
    /** Dawn's GPU object: dawn.node stops processing events (mapAsync never settles) once it is collected. */
    readonly gpu: GPU,
    readonly device: GPUDevice,
    readonly limits: { maxInvocations: number; maxStorageBuffers: number; maxWorkgroupStorage: number; maxPerDim: number },
  ) {}

  static async create(): Promise<KernelHarness> {
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no adapter');
    const a = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage },
    });
    return new KernelHarness(gpu, device, {
      maxInvocations: Math.min(256, a.maxComputeInvocationsPerWorkgroup),
      maxStorageBuffers: a.maxStorageBuffersPerShaderStage,
      maxWorkgroupStorage: a.maxComputeWorkgroupStorageSize,
      maxPerDim: a.maxComputeWorkgroupsPerDimension,
    });
  }

  private readonly pipelines = new Map<string, GPUComputePipeline>();

  /** Explicit layouts, as the backend makes them: 'auto' would drop a binding a shader does not use. */
  private layout(reads: number, writes: number): GPUBindGroupLayout {
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: 4, buffer: { type: 'uniform' } }];
    for (let i = 0; i < reads + writes; i++)
      entries.push({ binding: 1 + i, visibility: 4, buffer: { type: i < reads ? 'read-only-storage' : 'storage' } });
    return this.device.createBindGroupLayout({ entries });
  }

  private pipeline(wgsl: string, layout: GPUBindGroupLayout): GPUComputePipeline {
    let p = this.pipelines.get(wgsl);
    if (!p) {
      const module = this.device.createShaderModule({ code: wgsl });
      p = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      this.pipelines.set(wgsl, p);
    }
    return p;
  }

  private buffer(bytes: number): GPUBuffer {
    return this.device.createBuffer({ size: Math.max(4, Math.ceil(bytes / 4) * 4), usage: 128 | 4 | 8 });
  }

  /** Runs the graph; returns its outputs as host arrays of their dtypes (bool as 0/1 bytes). */
  async run(graph: Graph, inputs: TypedArray[], builders: Partial<Record<string, KernelBuilder>>): Promise<TypedArray[]> {
    const { device } = this;
    this.device.pushErrorScope('validation');
    const values: GPUBuffer[] = graph.inputs.map((v, i) => {
      const b = this.buffer(4 * sizeOf(v.shape));
      if (sizeOf(v.shape) > 0) device.queue.writeBuffer(b, 0, toWords(inputs[i], v.dtype) as Uint32Array<ArrayBuffer>);
      return b;
    });
    const encoder = device.createCommandEncoder();
    const kernels: { kernel: NodeKernel; temps: GPUBuffer[] }[] = [];
    const nIn = graph.inputs.length;
    graph.nodes.forEach((node, k) => {
      const id = nIn + k;
      const builder = builders[node.op];
      if (!builder) throw new Error(`harness: no builder for ${node.op}`);
      const kernel = builder({
        graph,
        node,
        id,
        limits: this.limits,
        shapeOf: (v) => graphValue(graph, v).shape,
        dtypeOf: (v) => graphValue(graph, v).dtype,
      });
      values[id] = this.buffer(4 * sizeOf(node.shape));
      const temps = (kernel.temps ?? []).map((bytes) => this.buffer(bytes));
      if (kernel.zeroTemps) for (const t of temps) encoder.clearBuffer(t);
      kernels.push({ kernel, temps });
      const resolve = (r: Ref) => ('value' in r ? values[r.value] : temps[r.temp]);
      for (const pass of kernel.passes) {
        if (pass.workgroups === 0) continue;
        const layout = this.layout(pass.reads.length, pass.writes.length);
        const pipeline = this.pipeline(pass.wgsl, layout);
        const uniform = device.createBuffer({ size: pass.params.byteLength, usage: 64 | 8 });
        device.queue.writeBuffer(uniform, 0, pass.params as Uint32Array<ArrayBuffer>);
        const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
        [...pass.reads, ...pass.writes].forEach((r, i) => {
          entries.push({ binding: 1 + i, resource: { buffer: resolve(r) } });
        });
        const group = device.createBindGroup({ layout, entries });
        const c = encoder.beginComputePass();
        c.setPipeline(pipeline);
        c.setBindGroup(0, group);
        const x = Math.min(pass.workgroups, this.limits.maxPerDim);
        c.dispatchWorkgroups(x, Math.ceil(pass.workgroups / x));
        c.end();
      }
    });
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`harness: ${error.message}`);
    for (const { kernel, temps } of kernels) {
      for (const c of kernel.checks ?? []) {
        const [pos, index] = await this.readWords(temps[c.temp], 2);
        if (pos !== 0) {
          const j = 0xffffffff - pos;
          const indices: number[] = [];
          indices[j] = index | 0;
          throw indexError(c.check, indices, j, c.indicesShape);
        }
      }
    }
    return Promise.all(
      graph.outputs.map(async (id) => {
        const v = graphValue(graph, id);
        const size = sizeOf(v.shape);
        const words = size === 0 ? new Uint32Array(0) : await this.readWords(values[id], size);
        return fromWords(words, v.dtype, size);
      }),
    );
  }

  private async readWords(buffer: GPUBuffer, words: number): Promise<Uint32Array> {
    const staging = this.device.createBuffer({ size: words * 4, usage: 1 | 8 });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, words * 4);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(1);
    const out = new Uint32Array(staging.getMappedRange().slice(0));
    staging.destroy();
    return out;
  }
}

function toWords(data: TypedArray, dtype: DType): Uint32Array {
  if (dtype === 'bool') return Uint32Array.from(data as Uint8Array);
  if (dtype === 'float32' || dtype === 'int32') return new Uint32Array(data.buffer, data.byteOffset, data.length);
  throw new NablaError(`harness: dtype ${dtype}`);
}

function fromWords(words: Uint32Array, dtype: DType, size: number): TypedArray {
  const out = allocate(dtype, size, 'harness', [size]);
  if (dtype === 'bool') out.set(words);
  else new Uint32Array(out.buffer, out.byteOffset, size).set(words);
  return out;
}

let harness: Promise<KernelHarness> | undefined;

/**
 * Runs a graph on a named backend through the Backend interface ('cpu', or 'webgpu' once
 * registered), or on the harness under the name 'harness'; returns its outputs or the error.
 */
export async function runGraph(
  backend: string,
  graph: Graph,
  inputs: TypedArray[],
  builders: Partial<Record<string, KernelBuilder>> = {},
): Promise<TypedArray[] | Error> {
  try {
    if (backend === 'harness') {
      harness ??= KernelHarness.create();
      return await (await harness).run(graph, inputs, builders);
    }
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
