import * as nb from '@nabla/core';
import { firstLine, logGpuState, unavailable, watchFallbacks } from './gpu-backends.js';
import { noteRow, timeOrSkip } from './gpu-timing.js';
import type { Result } from './harness.js';
import { allDigits, mnistMlp, PIXELS } from './mnist-data.js';

export const GPU_MLP_BATCHES = [64, 256, 1024, 4096];

/**
 * Training throughput of the MNIST MLP (784-128 relu-10 softmax, Adam, sparse categorical
 * cross-entropy) on all 10,000 digits of the `mnist` package, at each batch size: a measured run
 * is one epoch of fit (shuffled, as fit does by default) and then the read of the output bias, so
 * that the GPU's last step has finished when the clock stops. One model per backend and batch
 * size; its warm-up epoch pays for compiling (the full batches and the last, partial one).
 * Samples per second. `samples` below 10,000 takes the first that many (for slow adapters).
 */
export async function gpuMlpBench(batches: number[], backends: string[], samples?: number): Promise<Result[]> {
  const all = allDigits();
  const n = Math.min(samples ?? all.labels.length, all.labels.length);
  // Fewer samples are taken evenly over the digit-by-digit data, so that all ten digits appear.
  const order = Array.from({ length: n }, (_, i) => Math.floor((i * all.labels.length) / n));
  const labels = Int32Array.from(order, (k) => all.labels[k]);
  const images = new Float32Array(n * PIXELS);
  order.forEach((k, i) => {
    images.set(all.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
  });
  const results: Result[] = [];
  const previous = new Map<string, number>();
  for (const batch of batches) {
    const base = { workload: 'gpu-mlp', size: `${n} digits, batch ${batch}`, unit: 'samples/s' };
    for (const backend of backends) {
      const impl = `nabla-${backend}`;
      const why = await unavailable(backend);
      if (why !== undefined) {
        results.push(noteRow({ ...base, impl }, why));
        continue;
      }
      nb.setBackend(backend);
      const x = nb.tensor(images, [n, PIXELS]);
      const y = nb.tensor(labels, [n], 'int32');
      const model = mnistMlp();
      try {
        const run = async () => {
          await model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0 });
          await (model.getWeights().at(-1) as nb.Tensor).data();
        };
        // Larger batches take fewer steps of more work each: an epoch is no slower on any backend.
        const { value: t, remark } = await watchFallbacks(backend, () => timeOrSkip(run, previous.get(backend), 1, 4000));
        if (typeof t === 'string') {
          results.push(noteRow({ ...base, impl }, t));
        } else {
          previous.set(backend, t.medianMs);
          results.push({ ...base, impl, ...t, value: n / (t.medianMs / 1000), remark });
        }
      } catch (e) {
        results.push(noteRow({ ...base, impl }, `failed: ${firstLine(e)}`));
      } finally {
        model.dispose();
        nb.dispose([x, y]);
      }
    }
  }
  await logGpuState('gpu-mlp', backends);
  return results;
}
