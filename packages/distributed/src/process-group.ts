import { NablaError } from '@nabla/core';
import type { Distributed } from '@nabla/nn';
import type { Channel } from './channel.js';
import type { LaunchEnv } from './env.js';

/** What the collectives cost this rank so far (ProcessGroup.stats()). */
export interface CommStats {
  /** Collectives run: allReduceSum, broadcast and barrier calls. */
  calls: number;
  /** float32 values they carried. */
  floats: number;
  /** Seconds in those calls as this process saw them, from each call to its data back. */
  seconds: number;
  /** Of those, seconds inside torch.distributed's calls (measured by the rank's Python process). */
  collectiveSeconds: number;
  /** The rest: the channel's copies in and out of shared memory and the pipes' round trips. */
  channelSeconds: number;
}

/**
 * This process's rank in a job started by the launcher, as @nabla/nn's `fit(..., { distributed })`
 * takes it, and its collectives (torch.distributed's all_reduce and broadcast, run by the rank's
 * Python process on the shared-memory file's data). Every rank must make the same calls in the
 * same order, with the same lengths.
 */
export class ProcessGroup implements Distributed {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * This rank's place among the ranks on its machine (LOCAL_RANK): the GPU it should use where
   * there are several (NCCL reduces on cuda:localRank; see the README's GPUs section).
   */
  readonly localRank: number;
  /** How many ranks run on this machine (LOCAL_WORLD_SIZE). */
  readonly localWorldSize: number;
  /** torch.distributed's backend: 'gloo' (CPUs) or 'nccl' (CUDA GPUs). */
  readonly backend: string;

  constructor(
    private readonly channel: Channel,
    env: LaunchEnv,
  ) {
    this.rank = env.rank;
    this.worldSize = env.worldSize;
    this.localRank = env.localRank;
    this.localWorldSize = env.localWorldSize;
    this.backend = env.backend;
  }

  allReduceSum(data: Float32Array): Promise<void> {
    return this.call('allreduce', 'allReduceSum', data, 0);
  }

  broadcast(data: Float32Array, root = 0): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize)
      return Promise.reject(new NablaError(`distributed broadcast: root ${root} is not a rank of this job (0 to ${this.worldSize - 1})`));
    return this.call('broadcast', 'broadcast', data, root);
  }

  /**
   * This rank gives up (fit calls it when it fails here for a reason of its own, before it
   * rejects): every other rank's pending and later collectives fail at once with an error naming
   * this rank and the reason, instead of waiting for this process to end. Later calls here fail.
   */
  abort(reason: unknown): void {
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    this.channel.abort(text.length > 2000 ? `${text.slice(0, 2000)}...` : text);
  }

  /** Waits until every rank has called it. */
  barrier(): Promise<void> {
    return this.channel.request('barrier', 'barrier');
  }

  /** What the collectives cost this rank so far: how long they took, and how much of that was the channel. */
  async stats(): Promise<CommStats> {
    const remote = await this.channel.remoteStats();
    const { calls, floats, seconds } = this.channel.measured;
    return { calls, floats, seconds, collectiveSeconds: remote.seconds, channelSeconds: Math.max(0, seconds - remote.seconds) };
  }

  /**
   * Ends this process's part in the collectives (the rank's Python process stops serving); any
   * later call fails. Ending the script without it is fine too.
   */
  close(): Promise<void> {
    return this.channel.close();
  }

  private call(op: 'allreduce' | 'broadcast', what: string, data: Float32Array, root: number): Promise<void> {
    if (!(data instanceof Float32Array)) {
      const got = data === null ? 'null' : typeof data === 'object' ? (data as object).constructor?.name : typeof data;
      return Promise.reject(new NablaError(`distributed ${what}: data must be a Float32Array, got ${got}`));
    }
    return this.channel.request(op, what, data, root);
  }
}
