import { OnnxGraphBuilder } from '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
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
    if (backends.includes('onnx')) results.push(await ortDirect(n, budgetMs));
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

/**
 * The same matmul as a hand-built one-node ONNX model on onnxruntime-node, called directly: the
 * floor for nabla's onnx backend, whose overhead (graph key, cache lookup, wrapping) it measures.
 */
async function ortDirect(n: number, budgetMs: number): Promise<Result> {
  const b = new OnnxGraphBuilder();
  const x = b.input('a', 'float32', [n, n]);
  const y = b.input('b', 'float32', [n, n]);
  b.output('c', b.op('MatMul', [x, y]), 'float32', [n, n]);
  const session = await ort.InferenceSession.create(b.toBytes(), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const random = () => Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const feeds = { a: new ort.Tensor('float32', random(), [n, n]), b: new ort.Tensor('float32', random(), [n, n]) };
  const t = await measure(
    async () => {
      const out = await session.run(feeds);
      out.c.dispose();
    },
    { budgetMs },
  );
  await session.release();
  return { workload: 'matmul', size: `${n}`, impl: 'onnxruntime-direct', ...t, value: (2 * n ** 3) / (t.medianMs * 1e6), unit: 'GFLOP/s' };
}
