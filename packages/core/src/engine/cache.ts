import { type Backend, getBackendInstance } from '../backend.js';
import { checkArity, checkOptions, is } from '../options.js';

/**
 * Compiled executables, per backend, by graph structure key. Least recently used ones are
 * dropped, and released through the backend's `release` hook, past either limit: a number of
 * entries, and a number of bytes as the backend estimates them (`executableBytes`: the CPU
 * plan's scratch buffers, an onnxruntime session's model and planned buffers). Counting alone
 * does not bound memory: compiling ever larger shapes grew a process from 119 to 436 MB within
 * the entry limit.
 */
export interface CacheLimits {
  /** Executables kept per backend (default 512). */
  entries: number;
  /** Estimated bytes kept per backend (default 256 MiB). The most recent executable is always kept. */
  bytes: number;
}

let limits: CacheLimits = { entries: 512, bytes: 256 * 2 ** 20 };
const caches = new WeakMap<Backend, Map<string, unknown>>();

const LIMITS_SCHEMA = { entries: is.positiveInteger, bytes: is.nonNegative };

/**
 * Sets the executable cache's limits (per backend) and trims every cache to them at once;
 * returns the limits in force before. Omitted keys keep their value.
 */
export function setCacheLimits(options: Partial<CacheLimits>, ...extra: never[]): CacheLimits {
  checkArity('setCacheLimits', [options, ...extra], 1);
  const o = checkOptions('setCacheLimits', options, LIMITS_SCHEMA);
  const before = limits;
  limits = { entries: o.entries ?? limits.entries, bytes: o.bytes ?? limits.bytes };
  for (const backend of knownBackends) {
    const cache = caches.get(backend);
    if (cache) trim(backend, cache);
  }
  return { ...before };
}

/** Backends with a cache, so that setCacheLimits can trim them (backends are few and long-lived). */
const knownBackends = new Set<Backend>();

export interface CacheStats {
  /** Executables held. */
  size: number;
  /** Their estimated bytes (0 for a backend that does not estimate). */
  bytes: number;
  limits: CacheLimits;
}

export function cacheStats(backendName: string): CacheStats {
  const backend = getBackendInstance(backendName);
  const cache = caches.get(backend);
  return { size: cache?.size ?? 0, bytes: cache ? totalBytes(backend, cache) : 0, limits: { ...limits } };
}

export function cached(backend: Backend, key: string): unknown {
  const cache = caches.get(backend);
  if (!cache) return undefined;
  const exe = cache.get(key);
  if (exe !== undefined) {
    cache.delete(key);
    cache.set(key, exe);
  }
  return exe;
}

export function store(backend: Backend, key: string, exe: unknown): void {
  let cache = caches.get(backend);
  if (!cache) {
    caches.set(backend, (cache = new Map()));
    knownBackends.add(backend);
  }
  cache.set(key, exe);
  trim(backend, cache);
}

function bytesOf(backend: Backend, exe: unknown): number {
  return backend.executableBytes?.(exe) ?? 0;
}

/**
 * Sizes are asked again at every trim: an onnxruntime executable grows a session per input
 * layout after it is stored. A trim runs once per compile, so the sum over at most a few hundred
 * entries costs little beside the compile itself.
 */
function totalBytes(backend: Backend, cache: Map<string, unknown>): number {
  let total = 0;
  for (const exe of cache.values()) total += bytesOf(backend, exe);
  return total;
}

/** Runs in flight per executable (asynchronous backends), and those evicted meanwhile. */
const running = new Map<unknown, number>();
const releaseWhenDone = new Set<unknown>();

export function beginRun(exe: unknown): void {
  running.set(exe, (running.get(exe) ?? 0) + 1);
}

/** Ends a run; releases the executable if it was evicted while it ran. */
export function endRun(backend: Backend, exe: unknown): void {
  const n = (running.get(exe) ?? 1) - 1;
  if (n > 0) {
    running.set(exe, n);
    return;
  }
  running.delete(exe);
  if (releaseWhenDone.delete(exe)) backend.release?.(exe);
}

function evictOldest(backend: Backend, cache: Map<string, unknown>): unknown {
  const oldest = cache.keys().next().value as string;
  const exe = cache.get(oldest);
  cache.delete(oldest);
  // An onnxruntime session released under a run in progress would fail that run.
  if (running.has(exe)) releaseWhenDone.add(exe);
  else backend.release?.(exe);
  return exe;
}

function trim(backend: Backend, cache: Map<string, unknown>): void {
  while (cache.size > limits.entries) evictOldest(backend, cache);
  if (!backend.executableBytes) return;
  let total = totalBytes(backend, cache);
  while (total > limits.bytes && cache.size > 1) total -= bytesOf(backend, evictOldest(backend, cache));
}
