import * as nb from '@nabla/core';

/**
 * One rank of a data-parallel job, as fit sees it: who it is and the two collectives it needs.
 * The transport is not nn's: @nabla/distributed implements it over torch.distributed (gloo,
 * NCCL) for ranks started by torchrun, and `localGroup` (local.ts) in one process for tests.
 *
 * fit calls the collectives in the same order with the same lengths on every rank, one at a
 * time per rank (each awaited before the next). A rank that dies must make the others'
 * pending and later collectives reject (with an error that names it) rather than wait forever:
 * fit then rejects with that error on every rank.
 */
export interface Distributed {
  /** This process's rank, 0..worldSize-1. */
  readonly rank: number;
  /** The number of ranks. */
  readonly worldSize: number;
  /** Element-wise sum across ranks, in place; every rank passes the same length. */
  allReduceSum(data: Float32Array): Promise<void>;
  /** The root rank's values replace every rank's, in place (root defaults to 0). */
  broadcast(data: Float32Array, root?: number): Promise<void>;
  /**
   * Optional: this rank gives up (its fit failed for a reason of its own, a callback's error, an
   * abort): the transport makes the other ranks' pending and later collectives reject with an
   * error naming this rank and `reason`, rather than leaving them to wait. fit calls it before it
   * rejects; a transport without it relies on noticing the rank's exit.
   */
  abort?(reason: unknown): void;
}

const shapeOf = (v: unknown): string | undefined => {
  if (typeof v !== 'object' || v === null) return 'an object with rank, worldSize, allReduceSum and broadcast';
  const d = v as Partial<Record<keyof Distributed, unknown>>;
  for (const key of ['allReduceSum', 'broadcast'] as const) {
    if (typeof d[key] !== 'function') return `a Distributed (its ${key} is ${nb.describe(d[key])}, not a function)`;
  }
  if (d.abort !== undefined && typeof d.abort !== 'function') return `a Distributed (its abort is ${nb.describe(d.abort)}, not a function)`;
  const { rank, worldSize } = d;
  if (typeof worldSize !== 'number' || !Number.isInteger(worldSize) || worldSize < 1) {
    return `a Distributed (its worldSize is ${nb.describe(worldSize)}, not a positive integer)`;
  }
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    return `a Distributed (its rank is ${nb.describe(rank)}, not an integer in [0, ${worldSize - 1}])`;
  }
  return undefined;
};

/** fit's check of its `distributed` option: a Distributed-shaped object, rank within worldSize. */
export const isDistributed: nb.Check = shapeOf;
