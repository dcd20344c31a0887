import * as nb from '@nabla/core';
import { measure, type Result } from './harness.js';
import { PEERS, usePeer } from './peers.js';

/** float32 square matmul, GFLOP/s = 2 n^3 / time, through each library's public API. */
export async function matmulBench(sizes: number[], backends: string[]): Promise<Result[]> {
  const results: Result[] = [];
  for (const n of sizes) {
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
    const budgetMs = n >= 1024 ? 6000 : 2000;
    for (const backend of backends) {
      nb.setBackend(backend);
      const a = nb.randomUniform([n, n], { seed: 1 });
      const b = nb.randomUniform([n, n], { seed: 2 });
      await nb.realize(a, b);
      const t = await measure(
        async () => {
          const c = nb.matmul(a, b);
          await nb.realize(c);
          c.dispose();
        },
        { budgetMs },
      );
      nb.dispose([a, b]);
      results.push({ workload: 'matmul', size: `${n}`, impl: `nabla-${backend}`, ...t, value: gflops(t.medianMs), unit: 'GFLOP/s' });
    }
    for (const peer of PEERS) {
      const tf = await usePeer(peer);
      const a = tf.randomUniform([n, n]);
      const b = tf.randomUniform([n, n]);
      const t = await measure(
        () => {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        },
        { budgetMs, minRuns: n >= 1024 && peer === 'tfjs-cpu' ? 2 : 3 },
      );
      tf.dispose([a, b]);
      results.push({ workload: 'matmul', size: `${n}`, impl: peer, ...t, value: gflops(t.medianMs), unit: 'GFLOP/s' });
    }
  }
  return results;
}
