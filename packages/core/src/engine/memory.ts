import { getBackendInstance } from '../backend.js';
import { NablaError } from '../errors.js';
import { checkArity } from '../options.js';
import { type BufferLedger, type Storage, Tensor, type TensorState } from '../tensor.js';
import { engine } from './state.js';

/**
 * Lifetimes. A tensor is live from creation until dispose() (or garbage collection). Its buffer
 * is freed when it is disposed and no pending node still needs it as an operand: a lazy
 * `b = a.add(1)` keeps a's buffer alive after `a.dispose()` until b is computed or disposed.
 */

const finalizer = new FinalizationRegistry<TensorState>((state) => {
  // Collected without dispose(): count it out. Its buffer, and those only it still read, went
  // with the garbage (the state reaches none of them); here only the counts catch up.
  if (!state.disposed) {
    state.disposed = true;
    if (!state.internal) engine.liveTensors--;
  }
  releaseStateIfUnused(state);
});

/**
 * Registering with the finalization registry costs about a quarter of a microsecond (and as
 * much again to unregister on dispose), more than making the tensor, while most tensors are
 * disposed within microseconds: a training step's inputs and results, an op's intermediates. So
 * new tensors wait in a nursery, held strongly, and those still undisposed are registered in a
 * batch after 256 creations or 5 ms, whichever comes first. A tensor in the nursery cannot be
 * collected, so the backstop still sees every tensor that is dropped undisposed.
 */
const NURSERY_SIZE = 256;
const NURSERY_MS = 5;
const nursery: Tensor[] = [];
let nurseryTimer: ReturnType<typeof setTimeout> | undefined;

function enroll(t: Tensor): void {
  nursery.push(t);
  if (nursery.length >= NURSERY_SIZE) flushNursery();
  else if (nurseryTimer === undefined) {
    nurseryTimer = setTimeout(flushNursery, NURSERY_MS);
    // In Node, a pending flush must not keep the process alive.
    (nurseryTimer as { unref?: () => void }).unref?.();
  }
}

function flushNursery(): void {
  if (nurseryTimer !== undefined) clearTimeout(nurseryTimer);
  nurseryTimer = undefined;
  for (const t of nursery) {
    const s = t.state;
    // The backstop lets go of operands through their states (a disposed node that is still
    // pending may be let go that way too, when its last reader is collected).
    if (t.inputs && !s.dropped) s.operands = t.inputs.map((x) => x.state);
    if (s.disposed) continue;
    finalizer.register(t, s, s);
    s.registered = true;
  }
  nursery.length = 0;
}

function unregister(state: TensorState): void {
  if (state.registered) finalizer.unregister(state);
  state.registered = false;
}

/** Registers a freshly built tensor: counts it, tracks it in the tidy scope, links its operands. */
export function track(t: Tensor, internal = engine.opDepth > 0): Tensor {
  const inputs = t.inputs;
  if (inputs) for (const x of inputs) x.state.consumers++;
  if (t.state.ledger) countLedger(t.state.ledger, +1);
  if (internal) {
    // Counted neither as live nor in a scope; behaves as disposed once its readers are done.
    t.state.internal = true;
    engine.internals.push(t);
  } else {
    engine.liveTensors++;
    const scope = engine.scopes[engine.scopes.length - 1];
    if (scope) scope.push(t);
  }
  enroll(t);
  return t;
}

function countLedger(l: BufferLedger, sign: 1 | -1): void {
  let c = engine.buffers.get(l.backend);
  if (!c) engine.buffers.set(l.backend, (c = { count: 0, bytes: 0 }));
  c.count += sign;
  c.bytes += sign * l.bytes;
}

/** A storage for a buffer of the given size, counted once attached. */
export function makeStorage(backend: string, buffer: unknown, bytes: number): Storage {
  return { buffer, ledger: { backend, bytes, freed: false } };
}

export function attachStorage(t: Tensor, s: Storage): void {
  t.storage = s;
  t.state.ledger = s.ledger;
  countLedger(s.ledger, +1);
}

/** Counts a buffer out, once; true the first time. */
function countOut(l: BufferLedger): boolean {
  if (l.freed) return false;
  l.freed = true;
  countLedger(l, -1);
  return true;
}

/**
 * Drops a node's operands (after it is realized, or when it dies), letting theirs go in turn.
 * Iterative, like the walk that collects a graph: a lazy chain (500 unread training steps) is
 * thousands of nodes deep, and recursing through it overflowed the stack.
 */
export function dropInputs(t: Tensor): void {
  const work = [t];
  for (let n = work.pop(); n !== undefined; n = work.pop()) {
    const inputs = n.inputs;
    if (!inputs) continue;
    n.inputs = null;
    const s = n.state;
    if (s.dropped) continue; // the backstop let them go already
    s.dropped = true;
    s.operands = null;
    for (const x of inputs) {
      x.state.consumers--;
      if (freeIfUnused(x)) work.push(x);
    }
  }
}

/** Frees the buffer of a disposed or internal tensor that nothing reads; true if it was unread. */
function freeIfUnused(t: Tensor): boolean {
  const s = t.state;
  if (!(s.disposed || s.internal) || s.consumers > 0) return false;
  const storage = t.storage;
  if (storage) {
    t.storage = null;
    s.ledger = null;
    if (countOut(storage.ledger)) getBackendInstance(storage.ledger.backend).dispose(storage.buffer);
  }
  return true;
}

function releaseIfUnused(t: Tensor): void {
  if (freeIfUnused(t)) dropInputs(t);
}

/**
 * The backstop's twin of releaseIfUnused, from states alone: counts out what the garbage
 * collector has freed or will free with the collected tensors. Iterative, as dropInputs.
 */
function releaseStateIfUnused(state: TensorState): void {
  const work = [state];
  for (let s = work.pop(); s !== undefined; s = work.pop()) {
    if (!(s.disposed || s.internal) || s.consumers > 0) continue;
    if (s.ledger) {
      countOut(s.ledger);
      s.ledger = null;
    }
    if (s.dropped) continue;
    s.dropped = true;
    const operands = s.operands;
    s.operands = null;
    if (operands) {
      for (const o of operands) {
        o.consumers--;
        work.push(o);
      }
    }
  }
}

/** Marks a tensor as read by something outside the graph (a compiled nb.jit trace). */
export function pin(t: Tensor): void {
  t.state.consumers++;
}

/** Undoes pin(); frees the tensor's buffer if it was disposed (or internal) and is now unread. */
export function unpin(t: Tensor): void {
  t.state.consumers--;
  releaseIfUnused(t);
}

/** Frees an internal tensor that nothing reads and nobody holds. */
export function releaseInternal(t: Tensor): void {
  unregister(t.state);
  t.state.disposed = true;
  releaseIfUnused(t);
}

export function disposeTensor(t: Tensor): void {
  const s = t.state;
  if (s.disposed) return;
  s.disposed = true;
  if (!s.internal) engine.liveTensors--;
  unregister(s);
  releaseIfUnused(t);
}

/** Anything that holds tensors: a tensor, an array or a plain object of them, nested. */
export type TensorContainer =
  | Tensor
  | null
  | undefined
  | number
  | string
  | boolean
  | TensorContainer[]
  | { [key: string]: TensorContainer };

export function collectTensors(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
  return out;
}

/** Disposes every tensor in a tensor, array or object. */
export function dispose(value: TensorContainer): void {
  for (const t of collectTensors(value)) disposeTensor(t);
}

/** Exempts tensors from the enclosing tidy() scopes; returns its argument. */
export function keep<T extends TensorContainer>(value: T): T {
  for (const t of collectTensors(value)) t.state.kept = true;
  return value;
}

/**
 * Runs fn and disposes every tensor it created, except those it returns (found in arrays and
 * plain objects, nested) and those kept.
 * fn must be synchronous: a scope cannot follow an await.
 */
export function tidy<T>(fn: () => T, ...extra: never[]): T {
  checkArity('tidy', [fn, ...extra], 1);
  const scope: Tensor[] = [];
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // What fn made before it threw can no longer be reached: freed, as TensorFlow.js's tidy does.
    for (const t of scope) if (!t.state.kept) disposeTensor(t);
    throw e;
  } finally {
    engine.scopes.pop();
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new NablaError('tidy: the function returned a Promise; tidy scopes must be synchronous');
  }
  const survivors = new Set(collectTensors(result));
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) {
      if (parent) parent.push(t);
    } else if (!t.state.kept) disposeTensor(t);
  }
  return result;
}

export interface MemoryInfo {
  /** Tensors created and not yet disposed (lazy ones included). */
  numTensors: number;
  /** Backend buffers held, over all backends. */
  numBuffers: number;
  numBytes: number;
  backends: Record<string, { numBuffers: number; numBytes: number }>;
}

export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  let numBuffers = 0;
  let numBytes = 0;
  for (const [name, c] of engine.buffers) {
    backends[name] = { numBuffers: c.count, numBytes: c.bytes };
    numBuffers += c.count;
    numBytes += c.bytes;
  }
  return { numTensors: engine.liveTensors, numBuffers, numBytes, backends };
}

/**
 * The backstop's cleanup callbacks, like timers and I/O, run only when the event loop turns,
 * and a loop that awaits reads on a synchronous backend never lets it: its awaits settle as
 * microtasks. Its dropped tensors' memory is freed by the garbage collector anyway (see
 * TensorState), but memory() would count them until the loop ends. So an async read yields
 * one macrotask when the event loop has not turned for STARVED_MS: a sentinel task, scheduled
 * by a read, that has not run by then shows it. A loop that yields by itself pays nothing.
 */
const STARVED_MS = 10;
/** When the pending sentinel was scheduled; -1 when none is pending. */
let sentinelSince = -1;
const macrotask = makeMacrotask();

/**
 * Queues a task: setImmediate in Node; in browsers a MessageChannel message, which, unlike a
 * setTimeout(0), is not clamped to 4 ms when timers nest.
 */
function makeMacrotask(): (callback: () => void) => void {
  if (typeof setImmediate === 'function') return (callback) => setImmediate(callback);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => queue.shift()?.();
    return (callback) => {
      queue.push(callback);
      channel.port2.postMessage(null);
    };
  }
  return (callback) => setTimeout(callback, 0);
}
const clearSentinel = () => {
  sentinelSince = -1;
};

/** Resolves after one macrotask if the event loop has been starved; undefined (no wait) otherwise. */
export function yieldIfStarved(): Promise<void> | undefined {
  const now = performance.now();
  if (sentinelSince < 0) {
    sentinelSince = now;
    macrotask(clearSentinel);
    return undefined;
  }
  if (now - sentinelSince < STARVED_MS) return undefined;
  return new Promise((resolve) => macrotask(resolve)); // the sentinel, queued earlier, runs first
}
