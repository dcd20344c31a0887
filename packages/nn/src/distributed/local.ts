import * as nb from '@nabla/core';
import { checkConfig } from '../options.js';
import type { Distributed } from './distributed.js';

/** One rank of a `localGroup`: a Distributed whose abort is always there. */
export interface LocalRank extends Distributed {
  abort(reason: unknown): void;
}

export interface LocalGroupOptions {
  /**
   * How long a collective waits for the last rank to reach it before every rank's collective
   * rejects with an error naming the ranks that did not come (default: no limit, as a real
   * process group waits). Tests set one so that a bug in the order of collectives fails, not hangs.
   */
  timeoutMs?: number;
}

type Kind = 'allReduceSum' | 'broadcast';

/** A collective some ranks have reached: what each brought, and how to let them go. */
interface Round {
  kind: Kind;
  length: number;
  root: number;
  arrived: Map<number, { data: Float32Array; resolve: () => void; reject: (e: unknown) => void }>;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * `worldSize` ranks of a data-parallel job in one process, for tests and for trying a
 * distributed fit without a launcher: their collectives meet through promises. Run one fit per
 * rank, each on its own model, concurrently:
 *
 *     const ranks = nn.localGroup(2);
 *     await Promise.all(ranks.map((d, r) => models[r].fit(x, y, { distributed: d })));
 *
 * The sum is taken in rank order in float32, as a transport summing float32 buffers does. A
 * rank that calls `abort`, a mismatch (one rank broadcasting while another reduces, or lengths
 * that differ) or a timeout makes every pending and later collective of the group reject.
 */
export function localGroup(worldSize: number, options?: LocalGroupOptions, ...extra: unknown[]): LocalRank[] {
  nb.checkArity('localGroup', [worldSize, options, ...extra], 2);
  nb.checkArg('localGroup', 'worldSize', worldSize, nb.is.positiveInteger, false);
  const { timeoutMs } = checkConfig('localGroup', options, { timeoutMs: nb.is.positive });
  /** Open collectives by sequence number (each rank's count of its own calls). */
  const rounds = new Map<number, Round>();
  const calls = new Array<number>(worldSize).fill(0);
  let failure: nb.NablaError | null = null;

  const fail = (e: nb.NablaError) => {
    if (failure) return;
    failure = e;
    for (const round of rounds.values()) {
      clearTimeout(round.timer);
      for (const a of round.arrived.values()) a.reject(e);
    }
    rounds.clear();
  };

  const complete = (round: Round) => {
    clearTimeout(round.timer);
    const all = [...round.arrived.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => a);
    if (round.kind === 'allReduceSum') {
      const sum = new Float32Array(round.length);
      for (const { data } of all) for (let i = 0; i < sum.length; i++) sum[i] += data[i];
      for (const { data } of all) data.set(sum);
    } else {
      const source = round.arrived.get(round.root)?.data as Float32Array;
      for (const { data } of all) if (data !== source) data.set(source);
    }
    for (const a of all) a.resolve();
  };

  const collective = (rank: number, kind: Kind, data: unknown, root: number): Promise<void> => {
    const what = `${kind} of rank ${rank}`;
    if (!(data instanceof Float32Array))
      return Promise.reject(new nb.NablaError(`${what}: data must be a Float32Array, got ${nb.describe(data)}`));
    if (!Number.isInteger(root) || root < 0 || root >= worldSize) {
      return Promise.reject(new nb.NablaError(`${what}: root must be a rank in [0, ${worldSize - 1}], got ${nb.describe(root)}`));
    }
    if (failure) return Promise.reject(failure);
    const seq = calls[rank]++;
    let round = rounds.get(seq);
    if (!round) {
      round = { kind, length: data.length, root, arrived: new Map() };
      rounds.set(seq, round);
      if (timeoutMs !== undefined) {
        const open = round;
        open.timer = setTimeout(() => {
          const missing = [...Array(worldSize).keys()].filter((r) => !open.arrived.has(r));
          fail(
            new nb.NablaError(
              `localGroup: rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not reach collective #${seq + 1} ` +
                `(${open.kind} of ${open.length} values) within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
      }
    } else if (round.kind !== kind || round.length !== data.length || round.root !== root) {
      const [first] = round.arrived.keys();
      const desc = (k: Kind, n: number, r: number) => `${k} of ${n} values${k === 'broadcast' ? ` from rank ${r}` : ''}`;
      const e = new nb.NablaError(
        `localGroup: collective #${seq + 1} differs between ranks: rank ${first} called ${desc(round.kind, round.length, round.root)}, ` +
          `rank ${rank} ${desc(kind, data.length, root)}`,
      );
      fail(e);
      return Promise.reject(e);
    }
    const open = round;
    return new Promise<void>((resolve, reject) => {
      open.arrived.set(rank, { data, resolve, reject });
      if (open.arrived.size === worldSize) {
        rounds.delete(seq);
        complete(open);
      }
    });
  };

  return Array.from({ length: worldSize }, (_, rank) => ({
    rank,
    worldSize,
    allReduceSum: (data: Float32Array) => collective(rank, 'allReduceSum', data, 0),
    broadcast: (data: Float32Array, root = 0) => collective(rank, 'broadcast', data, root),
    abort: (reason: unknown) => {
      const why = reason instanceof Error ? reason.message : String(reason);
      fail(new nb.NablaError(`localGroup: rank ${rank} gave up: ${why}`, { cause: reason }));
    },
  }));
}
