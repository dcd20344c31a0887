/**
 * One rank of the dist-mlp benchmark (dist-mlp.ts starts it through the launcher, or as a plain
 * process for the one-process baseline). argv[2] is a JSON job:
 *   { mode: 'channel', sizes: number[], calls: number }: allReduceSum of each size, `calls`
 *     times after a warm-up, timed by this side and (inside torch.distributed) by the rank's
 *     Python process;
 *   { mode: 'train', backend, samples, epochs }: the MNIST MLP fitted for one epoch (warm-up:
 *     compiling, the handshake), then for `epochs`, each epoch timed, with the collectives'
 *     stats around the fit.
 * Rank 0 prints one line: DIST_RESULT <JSON>.
 */
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import { type CommStats, close, fromEnv, launched, type ProcessGroup } from '@nabla/distributed';
import { CustomCallback } from '@nabla/nn';
import { mnistDigits, mnistMlp, PIXELS } from './mnist-data.js';

interface ChannelJob {
  mode: 'channel';
  sizes: number[];
  calls: number;
}
interface TrainJob {
  mode: 'train';
  backend: string;
  samples: number;
  epochs: number;
}
const BATCH = 64;

const diff = (a: CommStats, b: CommStats) => ({
  calls: b.calls - a.calls,
  floats: b.floats - a.floats,
  seconds: b.seconds - a.seconds,
  collectiveSeconds: b.collectiveSeconds - a.collectiveSeconds,
  channelSeconds: b.channelSeconds - a.channelSeconds,
});

async function channel(group: ProcessGroup, job: ChannelJob) {
  const rows = [];
  for (const n of job.sizes) {
    const data = new Float32Array(n).fill(1);
    for (let i = 0; i < 10; i++) await group.allReduceSum(data);
    const before = await group.stats();
    for (let i = 0; i < job.calls; i++) await group.allReduceSum(data);
    rows.push({ n, ...diff(before, await group.stats()) });
  }
  return rows;
}

async function train(group: ProcessGroup | undefined, job: TrainJob) {
  nb.setBackend(job.backend);
  const { images, labels } = mnistDigits(job.samples);
  const x = nb.tensor(images, [job.samples, PIXELS]);
  const y = nb.tensor(labels, [job.samples], 'int32');
  const model = mnistMlp();
  const args = { batchSize: BATCH, verbose: 0 as const, seed: 7, distributed: group };
  // Each epoch timed by itself (the median resists a loaded machine's bursts).
  const epochMs: number[] = [];
  let start = 0;
  const timer = new CustomCallback({
    onEpochBegin: () => {
      start = performance.now();
    },
    onEpochEnd: () => {
      epochMs.push(performance.now() - start);
    },
  });
  await model.fit(x, y, { ...args, epochs: 1 });
  const before = await group?.stats();
  await model.fit(x, y, { ...args, epochs: job.epochs, callbacks: [timer] });
  const comm = group && before ? diff(before, await group.stats()) : undefined;
  const sorted = [...epochMs].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { epochMs: median, epochs: job.epochs, stepsPerEpoch: Math.ceil(job.samples / BATCH), params: model.countParams(), comm };
}

const job = JSON.parse(process.argv[2] ?? '{}') as ChannelJob | TrainJob;
const group = launched() ? fromEnv() : undefined;
const result = job.mode === 'channel' ? await channel(group as ProcessGroup, job) : await train(group, job);
if ((group?.rank ?? 0) === 0) console.log(`DIST_RESULT ${JSON.stringify({ worldSize: group?.worldSize ?? 0, result })}`);
await close();
