import * as nb from '@nabla/core';

/**
 * Handing the event loop back during long loops (fit, evaluate). A step is awaited, but a
 * backend that finishes its work synchronously (cpu) or resolves on a microtask lets no timer,
 * I/O callback or UI event run until the loop ends. The loop calls `maybeYield` after each step;
 * it awaits a macrotask only when YIELD_EVERY_MS of work went by since the last one, so a fast
 * step does not pay for a yield every time (the seed benchmark's steps take 15-80 us).
 */
export const YIELD_EVERY_MS = 8;

type Immediate = (callback: () => void) => unknown;

/** A macrotask: setImmediate (Node), a MessageChannel message (browsers), else setTimeout(0). */
function macrotask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class Yielder {
  private last = performance.now();

  constructor(private readonly everyMs = YIELD_EVERY_MS) {}

  /** Yields to the event loop when at least `everyMs` passed since the last yield. */
  maybeYield(): Promise<void> | undefined {
    if (performance.now() - this.last < this.everyMs) return undefined;
    return macrotask().then(() => {
      this.last = performance.now();
    });
  }
}

/**
 * The error a run stopped by its AbortSignal rejects with: a NablaError named 'AbortError', as
 * fetch's, so that both `instanceof NablaError` and `e.name === 'AbortError'` find it; the
 * signal's reason is its cause.
 */
export function abortError(method: string, signal: AbortSignal, where: string): nb.NablaError {
  const e = new nb.NablaError(`${method}: aborted by its signal ${where}`, { cause: signal.reason });
  e.name = 'AbortError';
  return e;
}

/** Checks `signal` option values: an AbortSignal (or anything with `aborted`, as a polyfill's). */
export const isSignal: nb.Check = (v) =>
  typeof v === 'object' && v !== null && typeof (v as { aborted?: unknown }).aborted === 'boolean' ? undefined : 'an AbortSignal';
