import { graphValue, NablaError, sizeOf } from '@nabla/core';
import { type Executable, OnnxBackend, type OnnxBackendOptions, type OrtModule, type OrtSession, type OrtTensor } from '../backend.js';
import type { Lowered } from '../lower.js';
import { DATA_TYPE, OnnxGraphBuilder } from '../onnx/builder.js';
import { PACK_LIMIT } from '../packing.js';
import { CPU_FALLBACK_ERROR, type KernelProber, type MissingKernel, missingKernels } from './kernels.js';

/** onnxruntime with its WebGPU execution provider, as the 'onnx-webgpu' backend runs it. */
export interface WebGpuRuntime {
  /** onnxruntime's API; its sessions take executionProviders: ['webgpu']. */
  ort: OrtModule;
  /**
   * The runtime and provider for graphs that run on the CPU: onnxruntime-node's 'cpu'; in
   * browsers, onnxruntime-web's WebAssembly build, whose CPU kernels are complete (the WebGPU
   * build's lack float64 Mul, for one).
   */
  cpu: { ort: OrtModule; provider: 'cpu' | 'wasm' };
  /**
   * Whether its sessions may keep outputs on the GPU ('gpu-buffer') for later runs: onnxruntime-web
   * can; onnxruntime-node 1.30 cannot read such a tensor back (its download is "not
   * implemented", and calling it ends the process) nor free one after the session that made it
   * is released (the process aborts), so there every output comes back to the host.
   */
  keepsTensorsOnGpu: boolean;
  /** What to install when there is no WebGPU adapter, in this runtime's terms. */
  noAdapterHelp: string;
}

export interface OnnxWebGpuBackendOptions extends Pick<OnnxBackendOptions, 'intraOpNumThreads'> {
  /**
   * Whether large float32 and int32 outputs stay on the GPU (onnxruntime's 'gpu-buffer' output
   * location), to be fed to the next run without a copy through the host. Default: where the
   * runtime can (WebGpuRuntime.keepsTensorsOnGpu).
   */
  keepOnGpu?: boolean;
}

/** An ONNX op the WebGPU provider had no kernel for, the nabla ops that lowered to it, and how many graphs it sent to the CPU. */
export interface CpuFallback {
  op: string;
  nablaOps: string[];
  graphs: number;
}

/** Outputs at least this large stay on the GPU: smaller ones are packed (packing.ts), which needs them on the host. */
const GPU_RESIDENT_MIN = PACK_LIMIT + 1;
const GPU_RESIDENT_DTYPES = new Set(['float32', 'int32']);

/** onnxruntime's config entry that makes session creation fail instead of placing nodes on the CPU provider. */
const STRICT = { session: { disable_cpu_ep_fallback: '1' } };
/** onnxruntime-node's and onnxruntime-web's words when the machine has no WebGPU adapter. */
const NO_ADAPTER = /adapter|WebGPU is not supported/i;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A session on the CPU provider alone, fed tensors that may be on the GPU: it cannot copy them
 * itself (the WebGPU provider's copies belong to sessions that have it), so they are read first.
 */
class HostSession implements OrtSession {
  constructor(
    private readonly session: OrtSession,
    private readonly ort: OrtModule,
  ) {}

  get outputMetadata() {
    return this.session.outputMetadata;
  }

  async run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> {
    for (const [name, t] of Object.entries(feeds)) {
      if (t.location === 'gpu-buffer') feeds[name] = new this.ort.Tensor(t.type as string, (await t.getData?.()) as never, t.dims);
    }
    return this.session.run(feeds);
  }

  release(): Promise<void> {
    return this.session.release?.() ?? Promise.resolve();
  }
}

/**
 * The ONNX backend on onnxruntime's WebGPU execution provider. Each graph first gets a session
 * with CPU fallback disabled; where the provider lacks a kernel the graph needs (float64 has
 * none), that fails, the missing ops are found (kernels.ts), named in a console warning the first
 * time each is met, recorded (cpuFallbacks), and the whole graph runs on onnxruntime's CPU
 * provider. Not split between the two, which onnxruntime would do: the graphs that fall back are
 * mostly those that hold NaN semantics (IsNaN in max, softmax, logSumExp, argMax and float-to-int
 * casts) or float64, and the WebGPU kernels do not carry NaNs through (split so, the conformance
 * suite's logSumExp of a NaN gave Infinity); split graphs also met a failing WebGPU Split kernel
 * (the transformer training run), and every split costs a copy each way per run.
 */
export class OnnxWebGpuBackend extends OnnxBackend {
  private readonly runtime: WebGpuRuntime;
  private readonly keepOnGpu: boolean;
  /** Per ONNX op signature, whether the provider has a kernel for it (kernels.ts). */
  private readonly kernels = new Map<string, boolean>();
  private readonly fallbacks = new Map<string, { nablaOps: Set<string>; graphs: number }>();

  constructor(name: string, runtime: WebGpuRuntime, options: OnnxWebGpuBackendOptions = {}) {
    // Every run uploads its host inputs to the GPU: fit then gathers batches on the host rather
    // than feeding the whole training set to every step.
    super(name, runtime.ort, {
      intraOpNumThreads: options.intraOpNumThreads,
      executionProviders: ['webgpu'],
      copiesInputsPerRun: true,
      forWebGpu: true,
    });
    this.runtime = runtime;
    this.keepOnGpu = (options.keepOnGpu ?? true) && runtime.keepsTensorsOnGpu;
  }

  /** The ONNX ops that ran on the CPU provider because the WebGPU provider has no kernel for them, so far. */
  cpuFallbacks(): CpuFallback[] {
    return [...this.fallbacks].map(([op, f]) => ({ op, nablaOps: [...f.nablaOps], graphs: f.graphs }));
  }

  /**
   * A session that lives as long as the backend, made with the first one that keeps outputs on
   * the GPU: onnxruntime-web destroys its GPU device with the last session released, and the
   * outputs still held (weights, optimizer slots) with it ("The Device was lost").
   */
  private anchor: Promise<OrtSession> | undefined;

  private holdDevice(): Promise<OrtSession> {
    if (!this.anchor) {
      const model = new OnnxGraphBuilder().nodeModel({ opType: 'Identity', input: ['x'], output: ['y'], name: 'anchor' }, (name) => ({
        name,
        elemType: DATA_TYPE.float32,
      }));
      this.anchor = this.ort.InferenceSession.create(model, { executionProviders: ['webgpu'], logSeverityLevel: 3 });
      this.anchor.catch(() => (this.anchor = undefined)); // no adapter: the graph's own session says so
    }
    return this.anchor;
  }

  async destroy(): Promise<void> {
    const anchor = this.anchor;
    this.anchor = undefined;
    await (await anchor?.catch(() => undefined))?.release?.();
  }

  protected override async openSession(exe: Executable, lowered: Lowered, builder: OnnxGraphBuilder): Promise<OrtSession> {
    const preferredOutputLocation = this.outputLocations(exe, lowered);
    if (Object.keys(preferredOutputLocation).length > 0) await this.holdDevice().catch(() => {});
    const strict = {
      ...exe.sessionOptions,
      logSeverityLevel: 4,
      extra: STRICT,
      preferredOutputLocation,
    };
    try {
      return await this.ort.InferenceSession.create(lowered.bytes, strict);
    } catch (e) {
      if (NO_ADAPTER.test(message(e))) throw this.noAdapter(e);
      if (!CPU_FALLBACK_ERROR.test(message(e))) throw e;
    }
    const missing = await missingKernels(builder, this.prober(), this.kernels);
    this.record(missing, lowered);
    const cpu = this.runtime.cpu;
    const onCpu = { ...exe.sessionOptions, executionProviders: [cpu.provider] };
    return new HostSession(await cpu.ort.InferenceSession.create(lowered.bytes, onCpu), cpu.ort);
  }

  /** Where each output comes back: large float32 and int32 ones on the GPU, unless packed. */
  private outputLocations(exe: Executable, lowered: Lowered): Record<string, string> {
    const locations: Record<string, string> = {};
    if (!this.keepOnGpu) return locations;
    lowered.outputs.forEach(({ name, offset }, k) => {
      const { dtype, shape } = graphValue(exe.graph, exe.graph.outputs[k]);
      if (offset < 0 && GPU_RESIDENT_DTYPES.has(dtype) && sizeOf(shape) >= GPU_RESIDENT_MIN) locations[name] = 'gpu-buffer';
    });
    return locations;
  }

  private noAdapter(e: unknown): NablaError {
    return new NablaError(`backend '${this.name}' found no WebGPU adapter: ${this.runtime.noAdapterHelp} (onnxruntime: ${message(e)})`);
  }

  private prober(): KernelProber {
    const { ort, cpu } = this.runtime;
    const release = (s: OrtSession) => s.release?.();
    return {
      async outputMetadata(model) {
        const s = await cpu.ort.InferenceSession.create(model, {
          executionProviders: [cpu.provider],
          graphOptimizationLevel: 'disabled',
          logSeverityLevel: 3,
        });
        const metadata = s.outputMetadata ?? [];
        await release(s);
        return metadata;
      },
      async createStrict(model) {
        await release(
          await ort.InferenceSession.create(model, {
            executionProviders: ['webgpu'],
            graphOptimizationLevel: 'disabled',
            logSeverityLevel: 4,
            extra: STRICT,
          }),
        );
      },
    };
  }

  /** Records a graph's missing kernels, and warns about the ones not met before. */
  private record(missing: MissingKernel[], lowered: Lowered): void {
    const fresh: string[] = [];
    for (const { signature, node } of missing) {
      const index = Number(/^n(\d+)_/.exec(node)?.[1] ?? Number.NaN);
      const nablaOp = lowered.labels.filter((l) => l.firstNode <= index).at(-1)?.label;
      let f = this.fallbacks.get(signature);
      if (!f) {
        this.fallbacks.set(signature, (f = { nablaOps: new Set(), graphs: 0 }));
        fresh.push(nablaOp ? `${signature} (nabla op '${nablaOp}')` : signature);
      }
      f.graphs++;
      if (nablaOp) f.nablaOps.add(nablaOp);
    }
    if (missing.length === 0) {
      const signature = 'unidentified (onnxruntime placed nodes on the CPU provider)';
      const f = this.fallbacks.get(signature) ?? { nablaOps: new Set<string>(), graphs: 0 };
      if (f.graphs++ === 0) fresh.push(signature);
      this.fallbacks.set(signature, f);
    }
    if (fresh.length > 0) {
      console.warn(
        `nabla: backend '${this.name}': onnxruntime's WebGPU execution provider has no kernel for ${fresh.join(', ')}; ` +
          'graphs that need them run whole on its CPU provider. Each op is named once; cpuFallbacks() on the backend lists them all.',
      );
    }
  }
}
