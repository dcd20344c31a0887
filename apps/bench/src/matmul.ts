import { OnnxGraphBuilder } from '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
import { measure, measurePair, type Result } from './harness.js';
import { PEERS, usePeer } from './peers.js';

/** float32 square matmul, GFLOP/s = 2 n^3 / time, through each library's public API. */
export async function matmulBench(sizes: number[], backends: string[]): Promise<Result[]> {
  const results: Result[] = [];
  for (const n of sizes) {
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
    const budgetMs = n >= 1024 ? 6000 : 2000;
    for (const backend of backends.filter((x) => x !== 'onnx')) {
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
    if (backends.includes('onnx')) results.push(...(await onnxAgainstDirect(n, budgetMs)));
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
 * nabla's onnx backend against the same matmul as a hand-built one-node ONNX model on
 * onnxruntime-node called directly: the floor, whose distance is nabla's overhead (graph key,
 * cache lookup, lowering's reshapes). Timed in alternation, as the ratio is what matters.
 */
async function onnxAgainstDirect(n: number, budgetMs: number): Promise<Result[]> {
  nb.setBackend('onnx');
  const a = nb.randomUniform([n, n], { seed: 1 });
  const b = nb.randomUniform([n, n], { seed: 2 });
  await nb.realize(a, b);
  const builder = new OnnxGraphBuilder();
  const x = builder.input('a', 'float32', [n, n]);
  const y = builder.input('b', 'float32', [n, n]);
  builder.output('c', builder.op('MatMul', [x, y]), 'float32', [n, n]);
  const session = await ort.InferenceSession.create(builder.toBytes(), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const feeds = {
    a: new ort.Tensor('float32', (await a.data()) as Float32Array, [n, n]),
    b: new ort.Tensor('float32', (await b.data()) as Float32Array, [n, n]),
  };
  const [ours, direct] = await measurePair(
    async () => {
      const c = nb.matmul(a, b);
      await nb.realize(c);
      c.dispose();
    },
    async () => {
      const out = await session.run(feeds);
      out.c.dispose();
    },
    { budgetMs: budgetMs * 2 },
  );
  await session.release();
  nb.dispose([a, b]);
  const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
  return [
    { workload: 'matmul', size: `${n}`, impl: 'nabla-onnx', ...ours, value: gflops(ours.medianMs), unit: 'GFLOP/s' },
    { workload: 'matmul', size: `${n}`, impl: 'onnxruntime-direct', ...direct, value: gflops(direct.medianMs), unit: 'GFLOP/s' },
  ];
}
