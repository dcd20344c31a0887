import { NablaError } from '@nabla/core';

/** What the launcher (python3 -m nabla_dist) tells the Node script it starts, through its environment. */
export interface LaunchEnv {
  rank: number;
  worldSize: number;
  /** This rank's place among the ranks on its machine: the GPU it should use, where there are several. */
  localRank: number;
  localWorldSize: number;
  /** torch.distributed's backend: 'gloo' or 'nccl'. */
  backend: string;
  /** The shared-memory file the collectives' data goes through. */
  shmPath: string;
  /** The pipe this process writes its requests to, and the one it reads the answers from. */
  requestFd: number;
  answerFd: number;
}

/** Environment variables, as process.env holds them. */
export type Env = Record<string, string | undefined>;

export const HOW_TO_START =
  'start it with the launcher: `npx nabla-dist --nproc 2 train.mjs` (or `python3 -m nabla_dist --nproc 2 train.mjs` ' +
  'with PYTHONPATH=node_modules/@nabla/distributed/python) on one machine, or ' +
  '`torchrun --nproc_per_node 2 -m nabla_dist train.mjs` across machines';

const VARS = [
  'NABLA_DIST_RANK',
  'NABLA_DIST_WORLD_SIZE',
  'NABLA_DIST_LOCAL_RANK',
  'NABLA_DIST_LOCAL_WORLD_SIZE',
  'NABLA_DIST_SHM',
  'NABLA_DIST_FDS',
] as const;

/** Whether this process was started by the launcher (its variables are set). */
export function launched(env: Env = process.env): boolean {
  return VARS.some((v) => env[v] !== undefined);
}

function integer(env: Env, name: string, min: number): number {
  const text = env[name] ?? '';
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min)
    throw new NablaError(`distributed fromEnv: ${name} is '${text}', not an integer >= ${min}; ${HOW_TO_START}`);
  return value;
}

/** Reads and checks the launcher's variables; an error names what is missing or wrong and how to start the script. */
export function readLaunchEnv(env: Env = process.env): LaunchEnv {
  if (!launched(env))
    throw new NablaError(
      `distributed fromEnv: this process was not started by nabla's launcher (${VARS.join(', ')} are unset); ${HOW_TO_START}`,
    );
  const missing = VARS.filter((v) => env[v] === undefined);
  if (missing.length > 0) throw new NablaError(`distributed fromEnv: ${missing.join(', ')} unset (the others are set); ${HOW_TO_START}`);
  const rank = integer(env, 'NABLA_DIST_RANK', 0);
  const worldSize = integer(env, 'NABLA_DIST_WORLD_SIZE', 1);
  if (rank >= worldSize)
    throw new NablaError(`distributed fromEnv: NABLA_DIST_RANK ${rank} is not below NABLA_DIST_WORLD_SIZE ${worldSize}`);
  const fds = (env.NABLA_DIST_FDS ?? '').split(',').map(Number);
  if (fds.length !== 2 || fds.some((fd) => !Number.isInteger(fd) || fd < 0))
    throw new NablaError(`distributed fromEnv: NABLA_DIST_FDS is '${env.NABLA_DIST_FDS}', not two file descriptors 'request,answer'`);
  return {
    rank,
    worldSize,
    localRank: integer(env, 'NABLA_DIST_LOCAL_RANK', 0),
    localWorldSize: integer(env, 'NABLA_DIST_LOCAL_WORLD_SIZE', 1),
    backend: env.NABLA_DIST_BACKEND ?? 'gloo',
    shmPath: env.NABLA_DIST_SHM ?? '',
    requestFd: fds[0],
    answerFd: fds[1],
  };
}
