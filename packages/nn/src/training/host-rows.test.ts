import { CpuBackend } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { afterAll, expect, test } from 'vitest';
import { Dense, glorotUniform, Sequential } from '../index.js';

/** The CPU backend, noting the largest input any run is fed; optionally claiming to copy inputs per run. */
class FeedWatchingCpu extends CpuBackend {
  override readonly capabilities: nb.BackendCapabilities;
  largestInput = 0;
  constructor(name: string, copiesInputsPerRun: boolean) {
    super(name);
    this.capabilities = { dtypes: nb.DTYPES, sync: true, copiesInputsPerRun };
  }
  override run(plan: Parameters<CpuBackend['run']>[0], inputs: nb.TypedArray[]): nb.TypedArray[] {
    for (const b of inputs) this.largestInput = Math.max(this.largestInput, b.length);
    return super.run(plan, inputs);
  }
}
const copying = new FeedWatchingCpu('cpu-copying', true);
const feeding = new FeedWatchingCpu('cpu-feeding', false);
nb.registerBackend('cpu-copying', () => copying);
nb.registerBackend('cpu-feeding', () => feeding);
afterAll(() => nb.setBackend('cpu'));

const N = 1000;
const FEATURES = 8;

async function train(backend: string): Promise<{ weights: number[][]; loss: number[]; evaluated: Record<string, number> }> {
  nb.setBackend(backend);
  const xs = new Float32Array(N * FEATURES).map((_, i) => Math.sin(i * 0.37));
  const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % 3);
  const weights = Float32Array.from({ length: N }, (_, i) => 0.5 + (i % 4) / 4);
  const x = nb.tensor(xs, [N, FEATURES]);
  const y = nb.tensor(labels, [N], 'int32');
  const w = nb.tensor(weights, [N]);
  const model = new Sequential([
    new Dense(4, { inputShape: [FEATURES], activation: 'relu', kernelInitializer: glorotUniform({ seed: 1 }) }),
    new Dense(3, { activation: 'softmax', kernelInitializer: glorotUniform({ seed: 2 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 2, batchSize: 64, sampleWeight: w, verbose: 0 });
  const evaluated = await model.evaluate(x, y, { batchSize: 100 });
  const result = {
    weights: await Promise.all(model.weights.map(async (v) => Array.from(await v.value.data()))),
    loss: history.history.loss as number[],
    evaluated: evaluated as Record<string, number>,
  };
  model.dispose();
  nb.dispose([x, y, w]);
  return result;
}

test('on a backend that copies every input per run, fit gathers batches on the host: the same training, fed only batches', async () => {
  const onHost = await train('cpu-copying');
  const inGraph = await train('cpu-feeding');
  // The whole training set is fed to every step when gathered in the graph, never on the host.
  expect(feeding.largestInput).toBeGreaterThanOrEqual(N * FEATURES);
  expect(copying.largestInput).toBeLessThan(N);
  // Bit for bit the same weights, losses and evaluation (shuffled, weighted, with a last smaller batch).
  expect(onHost.weights).toEqual(inGraph.weights);
  expect(onHost.loss).toEqual(inGraph.loss);
  expect(onHost.evaluated).toEqual(inGraph.evaluated);
});
