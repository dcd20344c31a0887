import type { DType, TypedArray } from './dtype.js';
import { NablaError } from './errors.js';
import type { Graph } from './graph.js';
import { checkArity } from './options.js';

/**
 * An execution backend. It implements the primitive op set (primitives.ts) and nothing
 * else: gradients and composite ops are written once in core, so two backends agree on every
 * gradient exactly when they agree on the primitives, which the conformance suite checks.
 *
 * Execution is by whole graphs, not by op: core hands over the pending graph of primitives
 * when a value is needed, and the backend compiles it once per structure (core caches the
 * executable by the graph's ops, attributes, shapes and dtypes). This is what lets ONNX
 * Runtime run a whole training step in one session.run, WebGPU submit one command buffer, and
 * the CPU plan its buffers.
 *
 * `compile` and `run` may return promises (ONNX Runtime and WebGPU are asynchronous). A
 * backend whose `capabilities.sync` is true returns plain values from both and from `readSync`,
 * which is what makes `dataSync()` and debug mode's eager checks possible.
 */
export interface Backend<Buffer = unknown, Executable = unknown> {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Copies host data into a new backend buffer. `data` has exactly the tensor's size. */
  upload(data: TypedArray, dtype: DType, shape: readonly number[]): Buffer;
  read(buffer: Buffer, dtype: DType, size: number): Promise<TypedArray>;
  readSync?(buffer: Buffer, dtype: DType, size: number): TypedArray;
  dispose(buffer: Buffer): void;
  compile(graph: Graph): Executable | Promise<Executable>;
  /** Runs with one buffer per graph input; returns one new buffer per graph output. */
  run(executable: Executable, inputs: Buffer[]): Buffer[] | Promise<Buffer[]>;
  /** Frees a compiled executable that core's cache dropped (an onnxruntime session); optional. */
  release?(executable: Executable): void;
  /**
   * About how many bytes a compiled executable holds (scratch buffers, a runtime's model and
   * planned buffers), for core's cache, which bounds their total per backend
   * (`setCacheLimits`); optional: without it only the number of executables is bounded. Asked
   * again whenever the cache trims, so it may grow after compile.
   */
  executableBytes?(executable: Executable): number;
  /** Releases what the backend holds (devices, sessions); optional. */
  destroy?(): void | Promise<void>;
}

export interface BackendCapabilities {
  /**
   * The dtypes it computes in. Core refuses any other, when a tensor is uploaded or an op
   * recorded, with an error naming the backend: a backend never sees a dtype it did not list.
   */
  dtypes: readonly DType[];
  /** compile, run and readSync all return synchronously. */
  sync: boolean;
  /**
   * Every run copies each of its input buffers whole (onnxruntime-web copies its feeds into
   * WebAssembly memory), so a large input that every run reads costs in proportion to its size:
   * fit then gathers each batch on the host rather than feeding the whole training set to every
   * step. Absent means false.
   */
  copiesInputsPerRun?: boolean;
  /**
   * nb.jit hands tensors a traced function captured of at most this many elements to `compile`
   * as known values (`GraphValue.value`), which the backend may fold into the executable
   * (onnxruntime: initializers, neither fed per run nor recomputed). Each costs a read when the
   * function is traced, so a backend that folds nothing can say 0. Absent means
   * DEFAULT_JIT_FOLD_LIMIT (64: hyperparameters and epsilons, tuned on onnxruntime).
   */
  jitFoldLimit?: number;
  /**
   * Optimizers (@nabla/nn) update trainable parameters of at most this many elements, per dtype,
   * as one flat vector with flat slots (concatenated, updated once, split), and larger ones alone.
   * It trades a fixed cost per op, which favours fewer ops, against copying the parameters every
   * step, which favours none. Absent means nn's FLAT_SLOT_LIMIT (4,096, tuned on onnxruntime).
   */
  flatSlotLimit?: number;
}

/** What `BackendCapabilities.jitFoldLimit` is when a backend does not say. */
export const DEFAULT_JIT_FOLD_LIMIT = 64;

const registry = new Map<string, () => Backend>();
const instances = new Map<string, Backend>();
let current: string | undefined;

/**
 * Makes a backend available by name. The factory runs on first use. Importing a backend
 * package registers it; the first one registered is the default unless NABLA_BACKEND names another.
 */
export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
  instances.delete(name);
}

export function listBackends(): string[] {
  return [...registry.keys()];
}

export function setBackend(name: string, ...extra: never[]): void {
  checkArity('setBackend', [name, ...extra], 1);
  getBackendInstance(name);
  current = name;
}

/** The name of the backend new tensors are created on. */
export function getBackend(): string {
  if (current === undefined) {
    const fromEnv = envBackend();
    if (fromEnv !== undefined) {
      setBackend(fromEnv);
    } else {
      const first = listBackends()[0];
      if (first === undefined) {
        throw new NablaError("no backend is registered: import one, for example `import '@nabla/backend-cpu'`");
      }
      current = first;
    }
  }
  return current as string;
}

export function getBackendInstance(name: string = getBackend()): Backend {
  let b = instances.get(name);
  if (b === undefined) {
    const factory = registry.get(name);
    if (factory === undefined) {
      const known = listBackends();
      throw new NablaError(`unknown backend '${name}'; available: ${known.length ? known.join(', ') : '(none registered)'}`);
    }
    b = factory();
    instances.set(name, b);
  }
  return b;
}

function envBackend(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.NABLA_BACKEND;
  return v === undefined || v === '' ? undefined : v;
}
