import {
  type Backend,
  checkOptions,
  type DType,
  type Graph,
  indexError,
  is,
  NablaError,
  type OptionSchema,
  type TypedArray,
} from '@nabla/core';
import { BufferPool, type PoolStats, roundBytes, STORAGE_USAGE } from './buffers.js';
import { acquireGpu, type Gpu, type GpuSource, MAP_READ, type NoAdapterAdvice, Usage } from './gpu.js';
import { type MatmulVariant, matmulVariants } from './kernels/matmul.js';
import { PipelineCache, type PipelineStats } from './pipelines.js';
import { type Loc, type PlannedPass, type PlanOptions, type ProgramPlan, planProgram, valueBytes } from './program.js';

const OPTIONS: OptionSchema = { fusion: is.boolean, matmul: is.oneOf(...matmulVariants) };

/**
 * A tensor's storage on this backend. `upload` is synchronous but the device arrives
 * asynchronously, so data uploaded before it exists waits on the host and goes to the GPU at
 * the first run or read that needs it.
 */
export class GpuStorage {
  gpu: GPUBuffer | undefined;
  host: TypedArray | undefined;
  disposed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
  ) {}
}

interface EncodedPass {
  plan: PlannedPass;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** Where its params lie in the program's one uniform buffer. */
  uniformOffset: number;
  /** The bind group of the last run, and the buffers it binds: reused while they are the same. */
  bound?: { group: GPUBindGroup; buffers: GPUBuffer[] };
}

export interface Program {
  plan: ProgramPlan;
  passes: EncodedPass[];
  /** Every pass's params, each at an offset the device allows for a uniform binding. */
  uniforms: GPUBuffer | undefined;
  bytes: number;
  scratch: GPUBuffer[];
  temps: GPUBuffer[];
  outputDtypes: DType[];
  outputSizes: number[];
}

export interface WebGpuOptions {
  /** Fuse chains of elementwise ops into one kernel (default true); off for tests that compare. */
  fusion?: boolean;
  /** The matmul kernel (default 'auto', chosen per shape); a fixed one is for benchmarks. */
  matmul?: MatmulVariant;
}

export interface WebGpuStats extends PoolStats, PipelineStats {}

/** The adapter a webgpu backend runs on, and the limits its device was given (the adapter's own). */
export interface WebGpuAdapterInfo {
  /** adapter.info's fields; each may be empty where the runtime does not tell. */
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether it is a fallback (software) adapter, where the runtime says. */
  isFallbackAdapter?: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxStorageBuffersPerShaderStage: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

/**
 * The WebGPU backend: a graph compiles to a list of WGSL compute dispatches (program.ts), and a
 * run encodes all of them into one command encoder and one submit. Buffers are pooled by size;
 * pipelines are cached by source. float32, int32 and bool (WGSL has no float64).
 */
export class WebGpuBackend implements Backend<GpuStorage, Program> {
  // Nothing is folded: captured constants stay inputs (a read per value when tracing buys nothing here).
  readonly capabilities = { dtypes: ['float32', 'int32', 'bool'] as DType[], sync: false, jitFoldLimit: 0 };
  private gpu: Gpu | undefined;
  private gpuPromise: Promise<Gpu> | undefined;
  private pool: BufferPool | undefined;
  private pipelines: PipelineCache | undefined;
  private readonly plan: PlanOptions;

  constructor(
    readonly name: string,
    private readonly source: GpuSource,
    private readonly advice: NoAdapterAdvice,
    options: WebGpuOptions = {},
  ) {
    checkOptions('WebGpuBackend', options, OPTIONS);
    this.plan = { fusion: options.fusion ?? true, matmul: options.matmul ?? 'auto' };
  }

  /** The device, requested on first use. A failure is remembered: every later call says the same. */
  ready(): Promise<Gpu> {
    if (!this.gpuPromise) {
      this.gpuPromise = acquireGpu(this.source, this.advice).then((gpu) => {
        this.gpu = gpu;
        this.pool = new BufferPool(gpu.device);
        this.pipelines = new PipelineCache(gpu.device);
        return gpu;
      });
    }
    return this.gpuPromise.then((gpu) => {
      if (gpu.lost) throw gpu.lost;
      return gpu;
    });
  }

  /** The adapter's description, once the device exists. */
  async describe(): Promise<string> {
    return (await this.ready()).description;
  }

  /**
   * The adapter's vendor, architecture, device and description, and the device's limits:
   * requests the device if need be, so without an adapter it fails as the first run would.
   */
  async adapterInfo(): Promise<WebGpuAdapterInfo> {
    const { adapter, device } = await this.ready();
    const info = adapter.info as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
    const l = device.limits;
    return {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      ...(typeof info?.isFallbackAdapter === 'boolean' ? { isFallbackAdapter: info.isFallbackAdapter } : {}),
      limits: {
        maxBufferSize: l.maxBufferSize,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      },
    };
  }

  /** Buffers and pipelines that exist now: what the memory and pipeline-reuse tests count. */
  stats(): WebGpuStats {
    const pool = this.pool?.stats() ?? { buffers: 0, bytes: 0, pooled: 0, pooledBytes: 0 };
    const pipes = this.pipelines?.stats() ?? { shaderModules: 0, pipelines: 0 };
    return { ...pool, ...pipes };
  }

  // Core refuses a dtype the backend does not list, on upload and on every op, with an error
  // naming the backend and its dtypes; scalarOf (wgsl/prelude.ts) is the backstop below that.
  upload(data: TypedArray, dtype: DType, _shape: readonly number[]): GpuStorage {
    const storage = new GpuStorage(dtype, data.length);
    if (this.gpu) this.toGpu(storage, data);
    else storage.host = data.slice() as TypedArray;
    return storage;
  }

  private toGpu(storage: GpuStorage, data: TypedArray): void {
    const { device } = this.gpu as Gpu;
    const bytes = valueBytes([storage.size], storage.dtype);
    storage.gpu = (this.pool as BufferPool).acquire(bytes);
    if (bytes > 0) {
      const words = storage.dtype === 'bool' ? Uint32Array.from(data as Uint8Array) : data;
      device.queue.writeBuffer(storage.gpu, 0, words.buffer, words.byteOffset, bytes);
    }
  }

  private materialize(storage: GpuStorage): GPUBuffer {
    if (storage.disposed) throw new NablaError('webgpu: a disposed tensor was used');
    if (!storage.gpu) {
      this.toGpu(storage, storage.host as TypedArray);
      storage.host = undefined;
    }
    return storage.gpu as GPUBuffer;
  }

  async read(storage: GpuStorage, dtype: DType, size: number): Promise<TypedArray> {
    if (storage.host) return storage.host.slice() as TypedArray;
    const gpu = await this.ready();
    const bytes = valueBytes([size], dtype);
    const words = await this.readBytes(gpu, this.materialize(storage), bytes);
    if (dtype === 'bool') return Uint8Array.from(new Uint32Array(words));
    if (dtype === 'int32') return new Int32Array(words);
    return new Float32Array(words);
  }

  /** Copies `bytes` of a buffer into a staging buffer and maps it: one staging buffer per read. */
  private async readBytes(gpu: Gpu, buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    if (bytes === 0) return new ArrayBuffer(0);
    const pool = this.pool as BufferPool;
    const staging = pool.acquire(bytes, Usage.MAP_READ | Usage.COPY_DST, 'nabla readback');
    const encoder = gpu.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, roundBytes(bytes));
    gpu.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(MAP_READ, 0, roundBytes(bytes));
    } catch (e) {
      pool.destroy(staging);
      throw gpu.lost ?? new NablaError(`webgpu: reading ${bytes} bytes back failed: ${(e as Error).message}`);
    }
    const copy = staging.getMappedRange(0, roundBytes(bytes)).slice(0, bytes);
    staging.unmap();
    pool.release(staging);
    return copy;
  }

  dispose(storage: GpuStorage): void {
    if (storage.disposed) return;
    storage.disposed = true;
    storage.host = undefined;
    if (storage.gpu) this.pool?.release(storage.gpu);
    storage.gpu = undefined;
  }

  async compile(graph: Graph): Promise<Program> {
    const gpu = await this.ready();
    const plan = planProgram(graph, gpu.limits, this.plan);
    const pipelines = this.pipelines as PipelineCache;
    const pool = this.pool as BufferPool;
    // One uniform buffer for the program, written once: a buffer per pass made thousands of
    // tiny buffers for an unrolled recurrent step.
    const align = gpu.limits.uniformOffsetAlignment;
    const offsets: number[] = [];
    let uniformBytes = 0;
    for (const p of plan.passes) {
      offsets.push(uniformBytes);
      uniformBytes += Math.ceil(p.params.byteLength / align) * align;
    }
    const passes = await Promise.all(
      plan.passes.map(async (p, i) => {
        const pipeline = await pipelines.get(p.wgsl, p.reads.length, p.writes.length, p.label);
        return { plan: p, pipeline, layout: pipelines.layout(p.reads.length, p.writes.length).bindGroup, uniformOffset: offsets[i] };
      }),
    );
    // WebGPU reports a failed allocation in an error scope, not by throwing. Scopes are one stack
    // per device: nothing awaits between the push and the pop, so other runs cannot interleave.
    gpu.device.pushErrorScope('out-of-memory');
    const uniforms = uniformBytes > 0 ? pool.acquire(uniformBytes, Usage.UNIFORM | Usage.COPY_DST, 'nabla params') : undefined;
    const scratch = plan.scratch.map((bytes) => pool.acquire(bytes));
    const temps = plan.temps.map((t) => pool.acquire(t.bytes));
    const outOfMemory = gpu.device.popErrorScope();
    if (uniforms) {
      const words = new Uint32Array(uniformBytes / 4);
      plan.passes.forEach((p, i) => {
        words.set(p.params, offsets[i] / 4);
      });
      gpu.device.queue.writeBuffer(uniforms, 0, words.buffer, 0, uniformBytes);
    }
    let bytes = uniforms?.size ?? 0;
    for (const b of scratch) bytes += b.size;
    for (const b of temps) bytes += b.size;
    if (await outOfMemory) {
      for (const b of [...scratch, ...temps]) pool.release(b);
      if (uniforms) pool.release(uniforms);
      throw new NablaError(`webgpu: out of GPU memory for the ${(bytes / 2 ** 20).toFixed(1)} MiB of buffers of a graph of ${opsOf(plan)}`);
    }
    const outIds = graph.outputs;
    const valueOf = (id: number) => (id < graph.inputs.length ? graph.inputs[id] : graph.nodes[id - graph.inputs.length]);
    return {
      plan,
      passes,
      uniforms,
      bytes,
      scratch,
      temps,
      outputDtypes: outIds.map((id) => valueOf(id).dtype),
      outputSizes: outIds.map((id) => valueOf(id).shape.reduce((a, b) => a * b, 1)),
    };
  }

  async run(program: Program, inputs: GpuStorage[]): Promise<GpuStorage[]> {
    const gpu = await this.ready();
    const { device } = gpu;
    const pool = this.pool as BufferPool;
    // WebGPU reports a failed allocation in an error scope, not by throwing.
    device.pushErrorScope('out-of-memory');
    const inputBuffers = inputs.map((s) => this.materialize(s));
    const outputs = program.plan.outputs.map((o) => pool.acquire(o.bytes));
    const bufferAt = (l: Loc): GPUBuffer => {
      switch (l.kind) {
        case 'input':
          return inputBuffers[l.index];
        case 'scratch':
          return program.scratch[l.slot];
        case 'output':
          return outputs[l.index];
        case 'temp':
          return program.temps[l.slot];
      }
    };

    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    program.plan.temps.forEach((t, i) => {
      if (t.zero) encoder.clearBuffer(program.temps[i]);
    });
    if (program.passes.length > 0) {
      const pass = encoder.beginComputePass();
      const maxX = gpu.limits.maxWorkgroupsPerDimension;
      for (const p of program.passes) {
        if (!p.bound || !bindsSame(p.bound.buffers, p.plan, bufferAt)) {
          const buffers = [...p.plan.reads.map(bufferAt), ...p.plan.writes.map(bufferAt)];
          const entries: GPUBindGroupEntry[] = [
            { binding: 0, resource: { buffer: program.uniforms as GPUBuffer, offset: p.uniformOffset, size: p.plan.params.byteLength } },
          ];
          buffers.forEach((buffer, i) => {
            entries.push({ binding: 1 + i, resource: { buffer } });
          });
          p.bound = { group: device.createBindGroup({ layout: p.layout, entries }), buffers };
        }
        pass.setPipeline(p.pipeline);
        pass.setBindGroup(0, p.bound.group);
        // Past the per-dimension limit, workgroups spread over y; kernels flatten (x, y) back.
        const x = Math.min(p.plan.workgroups, maxX);
        pass.dispatchWorkgroups(x, Math.ceil(p.plan.workgroups / x));
      }
      pass.end();
    }
    program.plan.outputs.forEach((o, j) => {
      if (o.copyFrom && o.bytes > 0) encoder.copyBufferToBuffer(bufferAt(o.copyFrom), 0, outputs[j], 0, roundBytes(o.bytes));
    });
    device.queue.submit([encoder.finish()]);
    // Both pops before any await (validation was pushed last), so other runs cannot interleave.
    const [invalid, outOfMemory] = await Promise.all([device.popErrorScope(), device.popErrorScope()]);
    if (invalid || outOfMemory) {
      for (const b of outputs) pool.release(b);
      const what = outOfMemory ? 'ran out of GPU memory' : `failed (${invalid?.message})`;
      throw gpu.lost ?? new NablaError(`webgpu: running a graph of ${opsOf(program.plan)} ${what}`);
    }

    const error = await this.indexChecks(gpu, program);
    if (error) {
      for (const b of outputs) pool.release(b);
      throw error;
    }
    return outputs.map((buffer, j) => {
      const s = new GpuStorage(program.outputDtypes[j], program.outputSizes[j]);
      s.gpu = buffer;
      return s;
    });
  }

  /**
   * The index checks' verdicts, all read back with one map: the run's error, if an index was out
   * of range. This is the one read a run with gather or scatterAdd waits for; graphs without
   * them return as soon as they are submitted.
   */
  private async indexChecks(gpu: Gpu, program: Program): Promise<NablaError | undefined> {
    const checks = program.plan.checks;
    if (checks.length === 0) return undefined;
    const pool = this.pool as BufferPool;
    const gather = pool.acquire(8 * checks.length, STORAGE_USAGE, 'nabla index checks');
    const encoder = gpu.device.createCommandEncoder();
    checks.forEach((c, i) => {
      encoder.copyBufferToBuffer(program.temps[c.temp], 0, gather, 8 * i, 8);
    });
    gpu.device.queue.submit([encoder.finish()]);
    const words = new Uint32Array(await this.readBytes(gpu, gather, 8 * checks.length));
    pool.release(gather);
    for (let i = 0; i < checks.length; i++) {
      if (words[2 * i] === 0) continue;
      const position = 0xffffffff - words[2 * i];
      const indices = { length: position + 1, [position]: words[2 * i + 1] | 0 } as unknown as ArrayLike<number>;
      return indexError(checks[i].check, indices, position, checks[i].indicesShape);
    }
    return undefined;
  }

  release(program: Program): void {
    const pool = this.pool;
    if (!pool) return;
    for (const b of program.scratch) pool.release(b);
    for (const b of program.temps) pool.release(b);
    if (program.uniforms) pool.release(program.uniforms);
  }

  /** Its scratch, temps and params: what it keeps on the GPU between runs (core's cache asks often). */
  executableBytes(program: Program): number {
    return program.bytes;
  }

  async destroy(): Promise<void> {
    if (!this.gpuPromise) return;
    const gpu = await this.gpuPromise.catch(() => undefined);
    this.pool?.trim();
    gpu?.device.destroy();
    this.gpu = undefined;
    this.gpuPromise = undefined;
    this.pool = undefined;
    this.pipelines = undefined;
  }
}

/**
 * Whether a pass would bind the buffers its last bind group binds. Checked without building the
 * list: this runs for every pass of every run, and the list is garbage whenever it matches.
 */
function bindsSame(bound: GPUBuffer[], pass: PlannedPass, bufferAt: (l: Loc) => GPUBuffer): boolean {
  const { reads, writes } = pass;
  for (let i = 0; i < reads.length; i++) if (bound[i] !== bufferAt(reads[i])) return false;
  for (let i = 0; i < writes.length; i++) if (bound[reads.length + i] !== bufferAt(writes[i])) return false;
  return true;
}

/** The ops a program runs, for errors: the first few distinct labels. */
function opsOf(plan: ProgramPlan): string {
  const labels = [...new Set(plan.passes.map((p) => p.label))];
  return labels.length <= 6 ? labels.join(', ') : `${labels.slice(0, 6).join(', ')} and ${labels.length - 6} more ops`;
}
