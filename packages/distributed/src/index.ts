/**
 * @nabla/distributed (Node): data-parallel training across processes and machines, with
 * torch.distributed doing the collectives. A script started by the launcher
 * (`npx nabla-dist --nproc 2 train.mjs`, or `torchrun ... -m nabla_dist train.mjs`) gets its
 * rank from `fromEnv()` and hands it to `fit(..., { distributed })`.
 */
import { NablaError } from '@nabla/core';
import { Channel } from './channel.js';
import { readLaunchEnv } from './env.js';
import { ProcessGroup } from './process-group.js';

let current: ProcessGroup | undefined;
let closed = false;

/**
 * This process's rank, from the environment the launcher set: one per process (later calls
 * return the same one). Fails, saying how to start the script, when the launcher did not start it.
 */
export function fromEnv(): ProcessGroup {
  if (current) return current;
  if (closed) throw new NablaError('distributed fromEnv: the process group was closed (close()); a process joins it once');
  const env = readLaunchEnv();
  current = new ProcessGroup(new Channel(env), env);
  return current;
}

/** Closes the process group fromEnv() returned, if any (see ProcessGroup.close). */
export async function close(): Promise<void> {
  const group = current;
  if (!group) return;
  current = undefined;
  closed = true;
  await group.close();
}

export type { Distributed } from '@nabla/nn';
export { type Env, HOW_TO_START, type LaunchEnv, launched } from './env.js';
export { type CommStats, ProcessGroup } from './process-group.js';
export { findPython, pythonPath } from './python.js';
