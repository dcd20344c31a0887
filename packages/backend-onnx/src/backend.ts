import { type Backend, DTYPES, type DType, type Graph, NablaError, type TypedArray } from '@nabla/core';
import { type Lowered, lowerGraph } from './lower.js';
import { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * The part of onnxruntime's JavaScript API this backend uses; onnxruntime-node and
 * onnxruntime-web both provide it, so one class serves both.
 */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: string, data: TypedArray, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}

export interface OnnxBackendOptions {
  /**
   * Threads for one op (onnxruntime's intraOpNumThreads). By default, graphs with little work run
   * on one thread and the rest with onnxruntime's default: every session builds its own thread
   * pool, which costs tens of milliseconds (the conformance suite, 1,732 small graphs: 4.5 s on
   * one thread, 43 s on two, 78 s on onnxruntime's default), while a thread pays off only on
   * large matrix products (MNIST MLP training: about 50% more samples per second).
   */
  intraOpNumThreads?: number;
  /** onnxruntime execution providers, e.g. ['wasm']; the runtime's default when absent. */
  executionProviders?: string[];
}

interface Executable {
  session: OrtSession;
  lowered: Lowered;
}

/** Below this much matmul work a graph runs on one thread (see OnnxBackendOptions). */
const PARALLEL_FLOPS = 4e6;

function matmulFlops(graph: Graph): number {
  const nIn = graph.inputs.length;
  const shapeOf = (id: number) => (id < nIn ? graph.inputs[id] : graph.nodes[id - nIn]).shape;
  let flops = 0;
  for (const node of graph.nodes) {
    if (node.op !== 'matmul') continue;
    const [batch, m, n] = node.shape.length === 3 ? node.shape : [1, ...node.shape];
    const a = shapeOf(node.inputs[0]);
    const k = node.attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
    flops += 2 * batch * m * n * k;
  }
  return flops;
}

/** Makes an onnxruntime error name the nabla op whose ONNX node failed. */
function explain(phase: string, e: unknown, lowered: Lowered): NablaError {
  const message = e instanceof Error ? e.message : String(e);
  // onnxruntime names the failing node (n<index>_<OpType>); map it back to the nabla op.
  const index = Number(/\bn(\d+)_[A-Za-z]/.exec(message)?.[1] ?? Number.NaN);
  const op = Number.isNaN(index) ? undefined : lowered.labels.filter((l) => l.firstNode <= index).at(-1)?.label;
  return new NablaError(`onnx: ${phase} failed${op ? ` in nabla op '${op}'` : ''}: ${message}`);
}

/**
 * A compiled nabla graph is one onnxruntime session; buffers are onnxruntime tensors, so values
 * (weights, optimizer state) stay in onnxruntime between steps and a training step is one
 * session.run. Reading and compiling are asynchronous, as onnxruntime is.
 */
export class OnnxBackend implements Backend<OrtTensor, Executable> {
  readonly capabilities = { dtypes: DTYPES, sync: false };

  constructor(
    readonly name: string,
    private readonly ort: OrtModule,
    private readonly options: OnnxBackendOptions = {},
  ) {}

  upload(data: TypedArray, dtype: DType, shape: readonly number[]): OrtTensor {
    return new this.ort.Tensor(dtype, data.slice() as TypedArray, [...shape]);
  }

  read(buffer: OrtTensor): Promise<TypedArray> {
    return Promise.resolve((buffer.data as TypedArray).slice() as TypedArray);
  }

  dispose(buffer: OrtTensor): void {
    buffer.dispose?.();
  }

  async compile(graph: Graph): Promise<Executable> {
    const lowered = lowerGraph(graph, () => new OnnxGraphBuilder({ name: 'nabla' }));
    const threads = this.options.intraOpNumThreads ?? (matmulFlops(graph) < PARALLEL_FLOPS ? 1 : 0);
    try {
      const session = await this.ort.InferenceSession.create(lowered.bytes, {
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3, // errors only: unused constants are not worth a warning
        ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
        ...(this.options.executionProviders ? { executionProviders: this.options.executionProviders } : {}),
      });
      return { session, lowered };
    } catch (e) {
      throw explain('compiling the graph', e, lowered);
    }
  }

  release(exe: Executable): void {
    void exe.session.release?.();
  }

  async run(exe: Executable, inputs: OrtTensor[]): Promise<OrtTensor[]> {
    const feeds: Record<string, OrtTensor> = {};
    exe.lowered.inputNames.forEach((name, i) => {
      if (name !== null) feeds[name] = inputs[i];
    });
    let out: Record<string, OrtTensor>;
    try {
      out = await exe.session.run(feeds);
    } catch (e) {
      throw explain('running the graph', e, exe.lowered);
    }
    return exe.lowered.outputNames.map((n) => out[n]);
  }
}
