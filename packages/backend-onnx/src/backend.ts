import {
  type Backend,
  type BackendCapabilities,
  bytesPerElement,
  DTYPES,
  type DType,
  type Graph,
  graphValue,
  matmulDims,
  NablaError,
  sizeOf,
  type TypedArray,
} from '@nabla/core';
import { GpuTensor } from './gpu-tensor.js';
import { diagnose, indicesGraph, outOfRange } from './index-checks.js';
import { type Lowered, lowerGraph } from './lower.js';
import { OnnxGraphBuilder } from './onnx/builder.js';
import { InputGrouper, type InputLayout, PackedView, UNGROUPED } from './packing.js';

/**
 * The part of onnxruntime's JavaScript API this backend uses; onnxruntime-node and
 * onnxruntime-web both provide it, so one class serves both.
 */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  /** 'cpu' (or absent), or 'gpu-buffer' for a tensor kept on the GPU: its `data` is then not readable. */
  readonly location?: string;
  readonly type?: string;
  /** Reads a tensor that lives elsewhere (onnxruntime-web: a GPU buffer). */
  getData?(): Promise<unknown>;
  dispose?(): void;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
  /** The model's outputs: their names, element types and shapes. */
  readonly outputMetadata?: readonly { name: string; type?: number | string; shape?: readonly (number | string)[] }[];
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
  /**
   * Whether every session.run copies its inputs whole (capabilities.copiesInputsPerRun):
   * onnxruntime-web's WebAssembly build does, onnxruntime-node reads them in place. Default:
   * true when executionProviders includes 'wasm'.
   */
  copiesInputsPerRun?: boolean;
  /** Lowers for onnxruntime's WebGPU execution provider, working around its kernels (webgpu/lowering.ts). */
  forWebGpu?: boolean;
}

/** One session per input layout (see packing.ts) of a graph, compiled on first use. */
export interface Executable {
  graph: Graph;
  /** Whether its gathers and scatterAdds check their indices (all but the diagnostic graphs do). */
  checkIndices: boolean;
  /** onnxruntime's session options, the same for every layout. */
  sessionOptions: Record<string, unknown>;
  grouper: InputGrouper;
  sessions: Map<string, Promise<Session>>;
  /** The sessions already created, so that a run need not await one. */
  ready: Map<string, Session>;
  /** The bytes of every node's output: onnxruntime's buffers for one run, without reuse. */
  valueBytes: number;
  /** Over LARGE_GRAPH nodes: fed ungrouped, so that it is compiled once (see LARGE_GRAPH). */
  large: boolean;
}
export interface Session {
  session: OrtSession;
  lowered: Lowered;
}

/**
 * Layouts one graph may be compiled for. A training loop settles on one (weights and slots
 * arrive packed by the previous step) after the first step; beyond this many, inputs are fed
 * one by one rather than compiling again.
 */
export const MAX_LAYOUTS = 4;
const UNGROUPED_FEEDS = { layout: UNGROUPED, spans: [] };

/**
 * Below this much matmul work a graph runs on one thread (see OnnxBackendOptions), and also when
 * its products average less than this each: threads split one op, so a graph of many small
 * products (an unrolled recurrence) gains nothing and pays each op's synchronization. The
 * LSTM(64) training step (batch 32, length 20; 45 products of 1.6 MFLOP on average), timed here
 * in fit with other jobs on both cores: 2.4 and 4.4 ms per step (medians) on one thread, 9.6 and
 * 12.9 on two; MNIST's MLP step on one thread in the same runs: 1.4 and 1.9 against 2.1 and 6.1.
 */
const PARALLEL_FLOPS = 4e6;

/**
 * A graph of more nodes than this (an unrolled recurrence: an LSTM(64) training step has 44 per
 * time step) is compiled without onnxruntime's graph optimizations and for one input layout.
 * Creating its session is what costs: at 'all' it grows faster than the node count
 * (11,000 nodes: 1.5 s against 0.8 s at 'disabled'; 55,000: 46 s against 13 s) and the runs were
 * no faster (24.6 against 24.3 ms, T = 100). A second layout (the first step's inputs are fresh
 * tensors, the next ones views of its packed outputs) would compile it all again, to save about
 * 1 us per grouped input per run.
 */
export const LARGE_GRAPH = 2000;

/** The graph's matrix products: their work in FLOP, and how many. */
function matmulWork(graph: Graph): { flops: number; products: number } {
  let flops = 0;
  let products = 0;
  for (const node of graph.nodes) {
    if (node.op !== 'matmul') continue;
    const { batch, m, n, k } = matmulDims(graph, node);
    flops += 2 * batch * m * n * k;
    products++;
  }
  return { flops, products };
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
 * Small uploads are copied into shared slabs. onnxruntime-node reads an input through its
 * ArrayBuffer, and V8 must first move a small typed array's fresh buffer out of its heap: about
 * 1 µs per fed input that a view of a slab does not cost (a training step feeds two fresh ones).
 * A slab is freed by the garbage collector with the last tensor that views it.
 */
class UploadSlabs {
  private static readonly BYTES = 1 << 14;
  private buffer = new ArrayBuffer(UploadSlabs.BYTES);
  private used = 0;

  copy(data: TypedArray): TypedArray {
    if (data.byteLength > UploadSlabs.BYTES / 16) return data.slice() as TypedArray;
    let at = Math.ceil(this.used / 8) * 8; // aligned for any element type
    if (at + data.byteLength > UploadSlabs.BYTES) {
      this.buffer = new ArrayBuffer(UploadSlabs.BYTES);
      at = 0;
    }
    const copy = new (data.constructor as new (b: ArrayBuffer, at: number, n: number) => TypedArray)(this.buffer, at, data.length);
    copy.set(data);
    this.used = at + data.byteLength;
    return copy;
  }
}

/** A buffer: an onnxruntime tensor, a slice of a packed output, or a tensor kept on the GPU. */
type Buffer = OrtTensor | PackedView | GpuTensor;

/**
 * A compiled nabla graph is one onnxruntime session per input layout; buffers are onnxruntime
 * tensors or views of packed outputs, so values (weights, optimizer state) never pass through
 * JavaScript arrays between steps and a training step is one session.run. Reading and compiling
 * are asynchronous, as onnxruntime is.
 */
export class OnnxBackend implements Backend<Buffer, Executable> {
  readonly capabilities: BackendCapabilities;

  constructor(
    readonly name: string,
    protected readonly ort: OrtModule,
    private readonly options: OnnxBackendOptions = {},
  ) {
    const copiesInputsPerRun = options.copiesInputsPerRun ?? options.executionProviders?.includes('wasm') ?? false;
    this.capabilities = { dtypes: DTYPES, sync: false, copiesInputsPerRun };
  }

  private readonly slabs = new UploadSlabs();

  upload(data: TypedArray, dtype: DType, shape: readonly number[]): OrtTensor {
    return new this.ort.Tensor(dtype, this.slabs.copy(data), [...shape]);
  }

  read(buffer: Buffer): Promise<TypedArray> {
    // getData keeps what it downloads in the tensor, which later runs may still be fed: a copy.
    if (buffer instanceof GpuTensor) return buffer.data().then((data) => (data as TypedArray).slice() as TypedArray);
    return Promise.resolve((buffer.data as TypedArray).slice() as TypedArray);
  }

  dispose(buffer: Buffer): void {
    if (!(buffer instanceof PackedView)) buffer.dispose?.(); // a view's memory goes with its packed tensor
  }

  /** Sessions created so far (one per graph structure and input layout). */
  sessionsCreated = 0;

  compile(graph: Graph): Executable {
    return this.executable(graph, true);
  }

  private executable(graph: Graph, checkIndices: boolean): Executable {
    const { flops, products } = matmulWork(graph);
    const small = flops < PARALLEL_FLOPS;
    const large = graph.nodes.length > LARGE_GRAPH;
    const threads = this.options.intraOpNumThreads ?? (small || flops / products < PARALLEL_FLOPS ? 1 : 0);
    // onnxruntime's graph optimizations pay off on large ops; on small graphs they only make
    // creating the session slower (the seed-linreg step: 0.88 ms at 'disabled', 1.23 at 'basic',
    // more at 'all'), and lowering folds constants itself (fold.ts). Its memory arena pays
    // off on large buffers; for small graphs, the first run took 280 us with it and 120 without,
    // and the seed example's fit was 1-2 us a step faster (timed round-robin).
    return {
      graph,
      checkIndices,
      sessionOptions: {
        graphOptimizationLevel: small || large ? 'disabled' : 'all',
        enableCpuMemArena: !small,
        logSeverityLevel: 3, // errors only: unused constants are not worth a warning
        ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
        ...(this.options.executionProviders ? { executionProviders: this.options.executionProviders } : {}),
      },
      grouper: new InputGrouper(graph),
      sessions: new Map(),
      ready: new Map(),
      valueBytes: graph.nodes.reduce((sum, node) => sum + sizeOf(node.shape) * bytesPerElement(node.dtype), 0),
      large,
    };
  }

  /**
   * An estimate for core's cache: per session, its model (constants folded in as initializers)
   * and onnxruntime's buffers for the graph's values, taken as every node's output without reuse
   * (an upper bound of its memory plan). An executable with no session yet counts the one to come.
   */
  executableBytes(exe: Executable): number {
    if (exe.sessions.size === 0) return exe.valueBytes;
    let bytes = 0;
    for (const key of exe.sessions.keys()) bytes += exe.valueBytes + (exe.ready.get(key)?.lowered.bytes.byteLength ?? 0);
    return bytes;
  }

  private session(exe: Executable, layout: InputLayout): Promise<Session> {
    let s = exe.sessions.get(layout.key);
    if (!s) {
      s = this.createSession(exe, layout);
      exe.sessions.set(layout.key, s);
      s.then((ready) => exe.ready.set(layout.key, ready)).catch(() => {}); // the run that awaits it reports failures
    }
    return s;
  }

  private async createSession(exe: Executable, layout: InputLayout): Promise<Session> {
    let builder: OnnxGraphBuilder | undefined;
    const makeBuilder = () => (builder = new OnnxGraphBuilder({ name: 'nabla' }));
    const lowered = lowerGraph(exe.graph, makeBuilder, layout, { checkIndices: exe.checkIndices, webgpu: this.options.forWebGpu });
    if (lowered.indexChecks.error) throw lowered.indexChecks.error; // constant indices out of range
    try {
      const session = await this.openSession(exe, lowered, builder as unknown as OnnxGraphBuilder);
      this.sessionsCreated++;
      return { session, lowered };
    } catch (e) {
      throw e instanceof NablaError ? e : explain('compiling the graph', e, lowered);
    }
  }

  /** Creates onnxruntime's session for a lowered graph; `builder` is the one that built it. */
  protected openSession(exe: Executable, lowered: Lowered, _builder: OnnxGraphBuilder): Promise<OrtSession> {
    return this.ort.InferenceSession.create(lowered.bytes, exe.sessionOptions);
  }

  release(exe: Executable): void {
    for (const s of exe.sessions.values()) {
      s.then((s) => s.session.release?.()).catch(() => {}); // a session that failed to compile has nothing to release
    }
    exe.sessions.clear();
    exe.ready.clear();
  }

  /**
   * The error for the first out-of-range index of the graph's gathers and scatterAdds, found by
   * computing their index operands again (without checks) and reading them; undefined if every
   * index is in range. Runs only when a check or onnxruntime has failed.
   */
  private async indexErrorOf(exe: Executable, inputs: Buffer[]): Promise<NablaError | undefined> {
    const graph = exe.checkIndices ? indicesGraph(exe.graph) : undefined;
    if (!graph) return undefined;
    const diagnostic = this.executable(graph, false);
    try {
      const buffers = await this.run(diagnostic, inputs);
      return diagnose(exe.graph, await Promise.all(buffers.map((b) => this.read(b))));
    } catch {
      return undefined; // the indices cannot be computed: the original failure is the one to report
    } finally {
      this.release(diagnostic);
    }
  }

  async run(exe: Executable, inputs: Buffer[]): Promise<Buffer[]> {
    const { graph } = exe;
    const viewOf = (i: number) => (!graph.inputs[i].value && inputs[i] instanceof PackedView ? inputs[i] : undefined);
    let { layout, spans } = exe.large ? UNGROUPED_FEEDS : exe.grouper.group(viewOf);
    if (!exe.sessions.has(layout.key) && exe.sessions.size >= MAX_LAYOUTS) [layout, spans] = [UNGROUPED, []];
    const { session, lowered } = exe.ready.get(layout.key) ?? (await this.session(exe, layout));
    const feeds: Record<string, OrtTensor> = {};
    lowered.inputNames.forEach((name, i) => {
      if (name === null) return;
      const b = inputs[i];
      feeds[name] = b instanceof PackedView ? new this.ort.Tensor(b.dtype, b.data, b.shape) : b instanceof GpuTensor ? b.tensor : b;
    });
    lowered.groupNames.forEach((name, j) => {
      feeds[name] = new this.ort.Tensor(layout.groups[j].dtype, spans[j], [spans[j].length]);
    });
    let out: Record<string, OrtTensor>;
    try {
      out = await session.run(feeds);
    } catch (e) {
      // onnxruntime rejects some out-of-range indices itself (beyond -n): name them as every backend does.
      throw (await this.indexErrorOf(exe, inputs)) ?? explain('running the graph', e, lowered);
    }
    const { checks } = lowered.indexChecks;
    if (checks.length > 0) {
      const places = lowered.checkOutputs;
      const extreme = (i: number) => (out[places[i].name].data as TypedArray)[places[i].offset];
      if (outOfRange(checks, extreme)) {
        const error = await this.indexErrorOf(exe, inputs);
        if (error) throw error;
      }
    }
    return lowered.outputs.map(({ name, offset }, k) => {
      if (offset < 0) return out[name].location === 'gpu-buffer' ? new GpuTensor(out[name]) : out[name];
      const { dtype, shape } = graphValue(graph, graph.outputs[k]);
      return new PackedView(out[name].data as TypedArray, offset, dtype, shape);
    });
  }
}
