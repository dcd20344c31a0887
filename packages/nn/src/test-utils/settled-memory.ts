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
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return nb.memory();
}
