/**
 * onnxruntime-node, called through its native session rather than its JavaScript wrapper.
 *
 * The wrapper (onnxruntime-common's InferenceSession) checks the feeds, then defers the native
 * call, which is synchronous, to a setImmediate and re-wraps every output in a new Tensor. On the
 * seed example's training step that costs about 5 us of a 32 us session.run (measured on the
 * captured step: 31.7 us through the wrapper, 26.4 us calling the native session). nabla builds
 * its feeds from the session's own input names, so the checks have nothing to find.
 *
 * The native session is onnxruntime-node's `dist/binding` module: internal, but the only thing
 * its own wrapper calls, and the version is pinned. If it is missing or has another shape, the
 * public API is used; `usesNativeSessions` says which, and a test checks it for the pinned version.
 */
import { createRequire } from 'node:module';
import * as ortNode from 'onnxruntime-node';
import type { OrtModule, OrtSession, OrtTensor } from './backend.js';

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: Record<string, unknown>): void;
  /** type: onnxruntime's element type code; shape: -1 for a symbolic dimension. */
  readonly outputMetadata: readonly { name: string; type?: number; shape?: readonly number[] }[];
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

function loadBinding(): NativeBinding | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require(require.resolve('onnxruntime-node/dist/binding')) as Partial<NativeBinding>;
    const ctor = mod.binding?.InferenceSession?.prototype as Partial<NativeSession> | undefined;
    if (typeof mod.initOrt !== 'function' || typeof ctor?.loadModel !== 'function' || typeof ctor.run !== 'function') return undefined;
    return mod as NativeBinding;
  } catch {
    return undefined;
  }
}

const native = loadBinding();

/** Whether sessions are the native ones (true with the pinned onnxruntime-node). */
export const usesNativeSessions = native !== undefined;

const Tensor = ortNode.Tensor as unknown as OrtModule['Tensor'];
const NO_OPTIONS = {};

class NativeOrtSession implements OrtSession {
  /** Every output, fetched: the form the native run takes its output list in. */
  private readonly fetches: Record<string, null>;

  constructor(private readonly session: NativeSession) {
    this.fetches = Object.fromEntries(session.outputMetadata.map((m) => [m.name, null]));
  }

  get outputMetadata(): NativeSession['outputMetadata'] {
    return this.session.outputMetadata;
  }

  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> {
    try {
      return Promise.resolve(this.session.run(feeds, this.fetches, NO_OPTIONS));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  release(): Promise<void> {
    this.session.dispose();
    return Promise.resolve();
  }
}

/** onnxruntime-node as the backend's OrtModule: native sessions where available. */
export const nodeRuntime: OrtModule = native
  ? {
      Tensor,
      InferenceSession: {
        async create(model, options = {}) {
          native.initOrt(); // once per process: log level, and the Tensor class outputs are made of
          const session = new native.binding.InferenceSession();
          session.loadModel(model.buffer, model.byteOffset, model.byteLength, options);
          return new NativeOrtSession(session);
        },
      },
    }
  : (ortNode as unknown as OrtModule);
