import { describe, expect, test } from 'vitest';
import type { Channel } from './channel.js';
import type { LaunchEnv } from './env.js';
import { ProcessGroup } from './process-group.js';

/** A channel that records its requests (the launcher's tests run the real one). */
function group() {
  const requests: unknown[][] = [];
  const aborts: string[] = [];
  const channel = {
    request: async (...args: unknown[]) => {
      requests.push(args);
    },
    abort: (reason: string) => aborts.push(reason),
  } as unknown as Channel;
  const env: LaunchEnv = {
    rank: 1,
    worldSize: 3,
    localRank: 1,
    localWorldSize: 3,
    backend: 'gloo',
    shmPath: '',
    requestFd: 0,
    answerFd: 0,
  };
  return { g: new ProcessGroup(channel, env), requests, aborts };
}

describe('ProcessGroup', () => {
  test('passes calls to the channel with their op, name, data and root', async () => {
    const { g, requests } = group();
    const data = new Float32Array(4);
    await g.allReduceSum(data);
    await g.broadcast(data, 2);
    await g.broadcast(data);
    expect(requests).toEqual([
      ['allreduce', 'allReduceSum', data, 0],
      ['broadcast', 'broadcast', data, 2],
      ['broadcast', 'broadcast', data, 0],
    ]);
    expect([g.rank, g.worldSize, g.localRank, g.backend]).toEqual([1, 3, 1, 'gloo']);
  });

  test('refuses what is not a Float32Array and roots outside the job, naming them', async () => {
    const { g, requests } = group();
    await expect(g.allReduceSum(new Float64Array(2) as unknown as Float32Array)).rejects.toThrow(
      'distributed allReduceSum: data must be a Float32Array, got Float64Array',
    );
    await expect(g.allReduceSum([1, 2] as unknown as Float32Array)).rejects.toThrow('got Array');
    await expect(g.broadcast(new Float32Array(2), 3)).rejects.toThrow('distributed broadcast: root 3 is not a rank of this job (0 to 2)');
    await expect(g.broadcast(new Float32Array(2), 0.5)).rejects.toThrow('root 0.5');
    expect(requests).toEqual([]);
  });

  test("abort sends the reason as text: an Error's name and message", () => {
    const { g, aborts } = group();
    g.abort(new RangeError('bad step'));
    g.abort('x'.repeat(3000));
    expect(aborts[0]).toBe('RangeError: bad step');
    expect(aborts[1]).toBe(`${'x'.repeat(2000)}...`);
  });
});
