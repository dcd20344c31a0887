/**
 * onnxruntime-web's WebGPU build ('onnxruntime-web/webgpu') as an OrtModule that enters its
 * WebAssembly one call at a time. That build suspends WebAssembly across awaits (Emscripten's
 * asyncify), which allows no second call until the first has returned: a session created while
 * another is being created is refused ("another WebGPU EP inference session is being created"),
 * and a run or a GPU tensor's download or release during another run corrupts its memory
 * ("memory access out of bounds", and every later call fails). nabla creates, runs and reads
 * concurrently, so every such call waits here for the one before.
 */
import type { OrtModule, OrtSession, OrtTensor } from '../backend.js';

interface WebSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  readonly outputMetadata?: OrtSession['outputMetadata'];
}
interface WebModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<WebSession> };
}

export function oneCallAtATime(load: () => Promise<WebModule>, Tensor: OrtModule['Tensor']): OrtModule {
  let last: Promise<unknown> = Promise.resolve();
  const serial = <T>(call: () => Promise<T> | T): Promise<T> => {
    const result = last.then(call);
    last = result.catch(() => {});
    return result;
  };
  /** A GPU output reads and frees its buffer through the module: in turn, too. */
  const inTurn = (t: OrtTensor): OrtTensor => {
    if (t.location !== 'gpu-buffer') return t;
    const { getData, dispose } = t;
    Object.assign(t, {
      getData: () => serial(() => getData?.call(t)),
      dispose: () => void serial(() => dispose?.call(t)),
    });
    return t;
  };
  const wrap = (session: WebSession): OrtSession => ({
    get outputMetadata() {
      return session.outputMetadata;
    },
    async run(feeds) {
      const out = await serial(() => session.run(feeds));
      for (const t of Object.values(out)) inTurn(t);
      return out;
    },
    release: () => serial(() => session.release()),
  });
  return {
    Tensor,
    InferenceSession: {
      create: (model, options) => serial(async () => wrap(await (await load()).InferenceSession.create(model, options))),
    },
  };
}
