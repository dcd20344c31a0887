import type * as nb from '@nabla/core';
import { HostRows } from './host-rows.js';

/**
 * The shard rule of data-parallel fit. `batchSize` is the global batch: every rank computes the
 * same epoch order (the same seeded shuffle) and so the same global batches, and takes its
 * contiguous part of each: with B samples and N ranks, the first B % N ranks take
 * floor(B / N) + 1, the others floor(B / N), in rank order. The union of the shards is the batch
 * one process would train on with the same seed and batchSize; a rank's shard may be empty
 * (the last batch of an epoch smaller than the number of ranks).
 */
export function shardOf(batch: Int32Array, rank: number, worldSize: number): Int32Array {
  const q = Math.floor(batch.length / worldSize);
  const extra = batch.length % worldSize;
  const start = rank * q + Math.min(rank, extra);
  return batch.subarray(start, start + q + (rank < extra ? 1 : 0));
}

/** A shard's samples as a compiled step takes them: x, y and weights, and the shard's indices in them. */
export interface ShardRows {
  x: nb.Tensor;
  y: nb.Tensor;
  w: nb.Tensor | null;
  indices: Int32Array;
  release(): void;
}

const noop = () => {};

/**
 * Shards of tensors held in memory: the whole tensors with the shard's indices (gathered inside
 * the step), or, on a backend whose runs copy every input (see HostRows), the shard's rows alone.
 * Also keeps the sample weights on the host, for the shares of weighted metrics (see parallel.ts).
 */
export class ShardData {
  private readonly hostRows: HostRows | null;
  private hostWeights: nb.TypedArray | null = null;

  constructor(
    readonly x: nb.Tensor,
    readonly y: nb.Tensor,
    readonly w: nb.Tensor | null,
  ) {
    this.hostRows = HostRows.when(x, y, w);
  }

  get samples(): number {
    return this.x.shape[0];
  }

  /** Reads what is kept on the host, once. */
  async load(): Promise<void> {
    await this.hostRows?.load();
    if (this.w && !this.hostWeights) this.hostWeights = await this.w.data();
  }

  rows(shard: Int32Array): ShardRows {
    if (!this.hostRows) return { x: this.x, y: this.y, w: this.w, indices: shard, release: noop };
    const c = this.hostRows.chunk([shard]);
    return { x: c.x, y: c.y, w: c.w, indices: c.groups[0], release: c.release };
  }

  /** The sum of these samples' weights, in float64 on the host (0 without sample weights). */
  weightSum(samples: Int32Array): number {
    const w = this.hostWeights;
    if (!w) return 0;
    let sum = 0;
    for (const i of samples) sum += w[i];
    return sum;
  }

  close(): void {
    this.hostRows?.release();
    this.hostWeights = null;
  }
}
