import * as nb from '@nabla/core';
import type { Weight } from '../weight.js';
import type { Distributed } from './distributed.js';

/**
 * fit's use of a Distributed: every collective goes through here, so that an error that came
 * out of one (a dead rank) is told apart from this rank's own failure, which the others must be
 * told about (Distributed.abort) lest they wait for it.
 */
export class Collectives {
  private static readonly fromPeers = new WeakSet<object>();

  constructor(readonly dist: Distributed) {}

  get rank(): number {
    return this.dist.rank;
  }
  get worldSize(): number {
    return this.dist.worldSize;
  }

  allReduceSum(data: Float32Array): Promise<void> {
    return this.dist.allReduceSum(data).catch(Collectives.mark);
  }

  broadcast(data: Float32Array, root = 0): Promise<void> {
    return this.dist.broadcast(data, root).catch(Collectives.mark);
  }

  /** This rank failed with `e`: the other ranks are told, unless `e` came from a collective. */
  failed(e: unknown): void {
    if (typeof e === 'object' && e !== null && Collectives.fromPeers.has(e)) return;
    try {
      this.dist.abort?.(e);
    } catch {
      // The rank's own error is what fit reports; a transport that cannot abort adds nothing to it.
    }
  }

  private static mark(e: unknown): never {
    if (typeof e === 'object' && e !== null) Collectives.fromPeers.add(e);
    throw e;
  }
}

/** FNV-1a of a string, as an unsigned 32-bit integer. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The two 32-bit halves of a float64's bits: a value compared exactly through float32 sums. */
export function float64Words(v: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  return [view.getUint32(0), view.getUint32(4)];
}

const NIBBLES = 8;

/**
 * Checks that every rank runs the same fit, before any weights move: each rank's `fields`
 * (unsigned 32-bit integers: sizes, settings, a hash of the model's structure) must equal every
 * other's, and each rank number must be held by exactly one rank. One all-reduce: per field, its
 * eight 4-bit digits d and their squares; all ranks agree on a digit exactly when the sums are
 * N d and N d^2 (equality in Cauchy-Schwarz), and every sum stays an exact float32 integer for
 * up to 74,000 ranks. A mismatch is an error on every rank, naming the field and this rank's
 * value (and the field's hint, when `hints` has one), rather than a hang or a silent mix of two runs.
 */
export async function handshake(
  c: Collectives,
  method: string,
  fields: Record<string, number>,
  hints: Record<string, string> = {},
): Promise<void> {
  const names = Object.keys(fields);
  const n = c.worldSize;
  const data = new Float32Array(names.length * NIBBLES * 2 + n);
  names.forEach((name, f) => {
    const v = fields[name] >>> 0;
    for (let k = 0; k < NIBBLES; k++) {
      const d = (v >>> (4 * k)) & 15;
      data[(f * NIBBLES + k) * 2] = d;
      data[(f * NIBBLES + k) * 2 + 1] = d * d;
    }
  });
  const ranksAt = names.length * NIBBLES * 2;
  data[ranksAt + c.rank] = 1;
  await c.allReduceSum(data);
  for (let r = 0; r < n; r++) {
    const held = data[ranksAt + r];
    if (held !== 1) {
      throw new nb.NablaError(
        `${method}: rank ${r} of ${n} is held by ${held} processes (this one is rank ${c.rank}); each rank's Distributed must have its own rank`,
      );
    }
  }
  names.forEach((name, f) => {
    const v = fields[name] >>> 0;
    for (let k = 0; k < NIBBLES; k++) {
      const d = (v >>> (4 * k)) & 15;
      const at = (f * NIBBLES + k) * 2;
      if (data[at] !== n * d || data[at + 1] !== n * d * d) {
        throw new nb.NablaError(
          `${method}: the ${n} ranks disagree on ${name} (rank ${c.rank} has ${fields[name]}); ` +
            `every rank must run the same fit (same options) on the same model and data${hints[name] ? `; ${hints[name]}` : ''}`,
        );
      }
    }
  });
}

/**
 * Rank 0's weights (trainable and not) and optimizer slots replace every other rank's, in one
 * broadcast, so that all ranks start equal. Every weight is float32 here (checked before).
 */
export async function broadcastState(c: Collectives, weights: Weight[], slots: Record<string, Record<string, nb.Tensor>>): Promise<void> {
  const slotList = Object.values(slots).flatMap((s) => Object.values(s));
  const tensors = [...weights.map((w) => w.value), ...slotList];
  const total = tensors.reduce((n, t) => n + t.size, 0);
  const data = new Float32Array(total);
  if (c.rank === 0) {
    const values = await Promise.all(tensors.map((t) => t.data()));
    let at = 0;
    for (const v of values) {
      data.set(v, at);
      at += v.length;
    }
  }
  await c.broadcast(data, 0);
  if (c.rank === 0) return;
  let at = 0;
  const next = (t: nb.Tensor) => {
    const v = nb.tensor(data.slice(at, at + t.size), [...t.shape], t.dtype);
    at += t.size;
    return nb.keep(v);
  };
  for (const w of weights) w.assign(next(w.value));
  for (const group of Object.values(slots)) {
    for (const name of Object.keys(group)) {
      const old = group[name];
      group[name] = next(old);
      old.dispose();
    }
  }
}
