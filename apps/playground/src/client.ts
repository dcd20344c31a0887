import type { Reply, Request } from './protocol.js';

type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Replies that end a request; the others ('started', 'steps'...) are progress along the way. */
const FINAL = new Set<Reply['type']>(['probe', 'done', 'prediction', 'saved', 'loaded', 'onnx', 'conformance-done', 'groups', 'error']);

/**
 * One worker (src/worker/worker.ts) and its requests. Each view has its own, so that a model
 * kept by the Train view survives a conformance run, and a job in one view does not queue
 * behind another's.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, { progress?: (r: Reply) => void; resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  private get w(): Worker {
    if (!this.worker) {
      const w = new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module', name: 'nabla' });
      w.onmessage = (e: MessageEvent<Reply>) => {
        const r = e.data;
        const p = this.pending.get(r.id);
        if (!p) return;
        if (!FINAL.has(r.type)) return p.progress?.(r);
        this.pending.delete(r.id);
        if (r.type === 'error') p.reject(new Error(r.message));
        else p.resolve(r);
      };
      w.onerror = (e) => {
        const err = new Error(`the worker failed: ${e.message || 'it could not start'}`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      this.worker = w;
    }
    return this.worker;
  }

  /** Sends a request; progress replies go to `progress`; the final one resolves (an error rejects). */
  ask<T extends Reply['type']>(req: Ask, progress?: (r: Reply) => void): Promise<Extract<Reply, { type: T }>> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { progress, resolve: resolve as (r: Reply) => void, reject });
      this.w.postMessage({ ...req, id });
    });
  }

  /** Asks the running job to stop (it ends between steps or cases, and answers as it ends). */
  stop(): void {
    this.worker?.postMessage({ type: 'stop', id: 0 } satisfies Request);
  }
}
