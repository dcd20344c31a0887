import '@nabla/backend-cpu';
import '../index.js';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, it } from 'vitest';
import { firstDifference, seeded } from '../test-utils/kernel-harness.js';

/**
 * The movement, indexing and random kernels as users reach them: public ops on tensors of the
 * 'webgpu' backend against the same ops on 'cpu' (the primitive-level tests are in
 * movement.test.ts, indexing.test.ts and random.test.ts).
 */
async function on(backend: string, f: () => nb.Tensor): Promise<nb.TypedArray | Error> {
  nb.setBackend(backend);
  try {
    return await f().data();
  } catch (e) {
    return e as Error;
  }
}

async function expectSame(f: () => nb.Tensor): Promise<void> {
  const cpu = await on('cpu', f);
  const gpu = await on('webgpu', f);
  if (cpu instanceof Error) {
    expect(gpu instanceof Error ? gpu.message : 'no error').toBe(cpu.message);
    return;
  }
  if (gpu instanceof Error) throw gpu;
  expect(firstDifference(gpu, cpu)).toBeUndefined();
}

describe('indexing and movement through the public ops', () => {
  afterAll(() => nb.setBackend('cpu'));
  const rand = seeded(41);
  const table = Float32Array.from({ length: 50 * 8 }, () => rand() - 0.5);
  const ids = Int32Array.from({ length: 6 * 7 }, () => Math.floor(rand() * 50));

  it('an Embedding lookup and its gradient (gather, then scatterAdd in the backward pass)', async () => {
    await expectSame(() => nb.gather(nb.tensor(table, [50, 8]), nb.tensor(ids, [6, 7], 'int32')));
    const weights = Float32Array.from({ length: 6 * 7 * 8 }, () => rand());
    await expectSame(() =>
      nb.grad((t: nb.Tensor) => nb.sum(nb.mul(nb.gather(t, nb.tensor(ids, [6, 7], 'int32')), nb.tensor(weights, [6, 7, 8]))))(
        nb.tensor(table, [50, 8]),
      ),
    );
  });

  it('an out-of-range index fails with the message the CPU gives, in the caller words', async () => {
    const bad = Int32Array.from(ids);
    bad[9] = 50;
    bad[30] = -1;
    const names = { op: 'Embedding', what: 'index', range: 'inputDim 50' };
    const gpu = await on('webgpu', () => nb.gather(nb.tensor(table, [50, 8]), nb.tensor(bad, [6, 7], 'int32'), 0, names));
    expect(gpu instanceof Error ? gpu.message : 'no error').toBe('Embedding: index 50 at position [1,2] is out of range for inputDim 50');
    await expectSame(() => nb.gather(nb.tensor(table, [50, 8]), nb.tensor(bad, [6, 7], 'int32'), 0, names));
  });

  it('slice, pad with NaN, concat and transpose composed', async () => {
    await expectSame(() => {
      const x = nb.tensor(table, [5, 10, 8]);
      const s = nb.slice(x, [1, 2, 0], [3, 5, 8]);
      const p = nb.pad(
        s,
        [
          [1, 0],
          [0, 2],
          [0, 0],
        ],
        Number.NaN,
      );
      return nb.transpose(nb.concat([p, p, nb.slice(x, [0, 0, 0], [4, 7, 8])], 2), [2, 0, 1]);
    });
  });

  it('randomUniform draws the same bits with the same seed', async () => {
    await expectSame(() => nb.randomUniform([13, 17], { seed: 1234 }));
  });
});
