import * as nb from '@nabla/core';
import { measureInterleaved, type Result } from './harness.js';
import { mnistDigits, mnistMlp, PIXELS } from './mnist-data.js';

const BATCH = 64;
const SMALL = 2560;
const LARGE = 60_000;
/** The least ratio of samples/s (60,000 over 2,560) that counts as flat. */
const FLAT = 0.8;
/** Timed epochs of each size, after a warm-up epoch each. */
const ROUNDS = 3;

/**
 * Whether fit's cost per step stays flat as the training set grows: the mlp-mnist model
 * (784-128-10, Adam, batch 64) fitted for one epoch on 2,560 samples (40 steps) and on 60,000
 * (938 steps), samples per second on each backend, and their ratio, which must be at least 0.8.
 * A step that fed the whole training set to the backend on every run (onnxruntime-web copies its
 * inputs into WebAssembly memory) slowed in proportion to it. Each size is timed for three epochs
 * after a warm-up epoch, taking turns: about four 60,000-sample epochs per backend.
 */
export async function fitScalingBench(backends: string[]): Promise<Result[]> {
  const results: Result[] = [];
  const ratios: string[] = [];
  const data = new Map([SMALL, LARGE].map((n) => [n, mnistDigits(n)]));
  console.log(`fit-scaling: ${LARGE.toLocaleString('en')} samples are the mnist package's 10,000 digits, cycled (each used about 6 times)`);
  for (const backend of backends) {
    nb.setBackend(backend);
    const runs = [SMALL, LARGE].map((n) => {
      const { images, labels } = data.get(n) as { images: Float32Array; labels: Int32Array };
      const x = nb.tensor(images, [n, PIXELS]);
      const y = nb.tensor(labels, [n], 'int32');
      const model = mnistMlp();
      return { n, x, y, model, fit: () => model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 }) };
    });
    // Round-robin (an epoch of each per round, after a warm-up epoch each), so that the load of a
    // shared machine, which drifts over seconds, falls on both sizes alike.
    const timings = await measureInterleaved(
      { small: runs[0].fit, large: runs[1].fit },
      { budgetMs: 0, minRounds: ROUNDS, maxRounds: ROUNDS },
    );
    const perSecond: number[] = [];
    for (const [run, timing] of [
      [runs[0], timings.small],
      [runs[1], timings.large],
    ] as const) {
      run.model.dispose();
      nb.dispose([run.x, run.y]);
      const value = run.n / (timing.medianMs / 1000);
      perSecond.push(value);
      const size = `${run.n.toLocaleString('en')} samples${run.n === LARGE ? ' (10,000 digits cycled)' : ''}, batch ${BATCH}`;
      results.push({ workload: 'fit-scaling', size, impl: `nabla-${backend}`, ...timing, value, unit: 'samples/s' });
    }
    const ratio = perSecond[1] / perSecond[0];
    ratios.push(
      `  nabla-${backend.padEnd(10)} ${Math.round(perSecond[0])} and ${Math.round(perSecond[1])} samples/s: ratio ${ratio.toFixed(2)} (${ratio >= FLAT ? 'flat' : `under ${FLAT}`})`,
    );
  }
  console.log(
    `fit-scaling: samples/s at ${LARGE.toLocaleString('en')} over ${SMALL.toLocaleString('en')} (at least ${FLAT} is flat)\n${ratios.join('\n')}`,
  );
  return results;
}
