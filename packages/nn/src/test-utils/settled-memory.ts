import v8 from 'node:v8';
import vm from 'node:vm';
import * as nb from '@nabla/core';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * nb.memory() once unreachable tensors are collected: a tensor nobody holds is released by a
 * FinalizationRegistry whenever the garbage collector runs, so counts taken without this move
 * with earlier tests' garbage (a fit in between let the collector run and the count dropped).
 */
export async function settledMemory(): Promise<nb.MemoryInfo> {
  // Releases come in waves (a collected jitted function frees the tensors its traces pinned,
  // which the next collection can find unreachable), and finalizers run as later tasks, late
  // on a loaded machine: collect until the count holds still over three collections (one was
  // not enough on CI: a count taken mid-wave made a flat loop look like it freed six tensors).
  let last = -1;
  let still = 0;
  for (let i = 0; i < 40 && still < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = nb.memory().numTensors;
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return nb.memory();
}
