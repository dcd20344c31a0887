import '@nabla/backend-cpu';
import { expect, test } from 'vitest';
import * as nb from '../index.js';

/**
 * A copy of the CPU backend under `name` stating `jitFoldLimit` (absent: the default), which
 * records the graphs it compiles.
 */
function recordingBackend(name: string, jitFoldLimit?: number): nb.Graph[] {
  const cpu = nb.getBackendInstance('cpu');
  const seen: nb.Graph[] = [];
  const capabilities: nb.BackendCapabilities = { dtypes: nb.DTYPES, sync: true };
  if (jitFoldLimit !== undefined) capabilities.jitFoldLimit = jitFoldLimit;
  nb.registerBackend(name, () =>
    Object.assign(Object.create(Object.getPrototypeOf(cpu)), cpu, {
      name,
      capabilities,
      compile: (g: nb.Graph) => {
        seen.push(g);
        return cpu.compile(g);
      },
    }),
  );
  return seen;
}

/** The sizes of the captured tensors nb.jit offered to `backend` as known values. */
async function foldedSizes(backend: string, seen: nb.Graph[]): Promise<number[]> {
  nb.setBackend(backend);
  try {
    const small = nb.ones([64]);
    const large = nb.ones([65]);
    await nb.realize([small, large]);
    const f = nb.jit((x: nb.Tensor) => nb.add(nb.sum(nb.mul(x, small)), nb.sum(large)));
    const out = await f(nb.ones([64]));
    expect(await out.item()).toBe(129);
    const values = (seen.at(-1) as nb.Graph).inputs.flatMap((v) => (v.value ? [v.value.length] : []));
    nb.dispose([small, large, out]);
    f.dispose();
    return values;
  } finally {
    nb.setBackend('cpu');
  }
}

test('nb.jit folds captured tensors up to the backend’s jitFoldLimit; 64 elements when it states none', async () => {
  expect(await foldedSizes('fold-default', recordingBackend('fold-default'))).toEqual([64]);
  expect(await foldedSizes('fold-none', recordingBackend('fold-none', 0))).toEqual([]);
  expect((await foldedSizes('fold-more', recordingBackend('fold-more', 65))).sort()).toEqual([64, 65]);
});
