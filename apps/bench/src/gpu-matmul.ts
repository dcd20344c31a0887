import * as nb from '@nabla/core';
import { firstLine, logGpuState, settle, unavailable, watchFallbacks } from './gpu-backends.js';
import { matmulVariantBackends } from './gpu-matmul-variants.js';
import { noteRow, timeOrSkip } from './gpu-timing.js';
import type { Result } from './harness.js';
import { uniform } from './layer-data.js';

export const GPU_MATMUL_SIZES = [1024, 2048, 4096, 8192];

/**
 * float32 square matmul on the GPU backends and their CPU yardsticks: GFLOP/s = 2 n^3 / time.
 * A measured run is one product and the read of its last element (see settle): on a GPU the run
 * is asynchronous, and only a read says the work is done. The same inputs (a hash of the
 * index, made on the host once per size) on every backend. Beside 'webgpu' (its kernel's own
 * choice of tiling), each of its matmul kernels forced (gpu-matmul-variants.ts).
 */
export async function gpuMatmulBench(sizes: number[], backends: string[]): Promise<Result[]> {
  const results: Result[] = [];
  const variants = backends.includes('webgpu') && (await unavailable('webgpu')) === undefined ? matmulVariantBackends() : [];
  const timed = backends.flatMap((b) => (b === 'webgpu' ? [b, ...variants] : [b]));
  const previous = new Map<string, { n: number; ms: number }>();
  for (const n of sizes) {
    const base = { workload: 'gpu-matmul', size: `${n}`, unit: 'GFLOP/s' };
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
    const left = uniform(1, n * n);
    const right = uniform(2, n * n);
    for (const backend of timed) {
      const impl = `nabla-${backend}`;
      const why = await unavailable(backend);
      if (why !== undefined) {
        results.push(noteRow({ ...base, impl }, why));
        continue;
      }
      nb.setBackend(backend);
      const a = nb.tensor(left, [n, n]);
      const b = nb.tensor(right, [n, n]);
      try {
        await nb.realize(a, b);
        const run = async () => {
          const c = nb.matmul(a, b);
          await settle(c);
          c.dispose();
        };
        const before = previous.get(backend);
        const { value: t, remark } = await watchFallbacks(backend, () =>
          timeOrSkip(run, before?.ms, before ? (n / before.n) ** 3 : 1, n >= 4096 ? 8000 : 4000),
        );
        if (typeof t === 'string') {
          results.push(noteRow({ ...base, impl }, t));
        } else {
          previous.set(backend, { n, ms: t.medianMs });
          results.push({ ...base, impl, ...t, value: gflops(t.medianMs), remark });
        }
      } catch (e) {
        results.push(noteRow({ ...base, impl }, `failed: ${firstLine(e)}`));
      } finally {
        nb.dispose([a, b]);
      }
    }
  }
  await logGpuState('gpu-matmul', backends);
  return results;
}
