import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, pythonPath } from '@nabla/distributed';
import * as nn from '@nabla/nn';
import type { Result } from './harness.js';
import { LAYER_WORKLOADS } from './layer-workloads.js';
import { mnistMlp } from './mnist-data.js';

const RANKS = [1, 2, 4];
/** The `mnist` package's whole set: an epoch as a user's would be, not a slice of one. */
const SAMPLES = 10_000;
const EPOCHS = 5;
/** Calls per size in the channel's measurement, after 10 warm-up calls. */
const CALLS = 100;
const RANK_SCRIPT = fileURLToPath(new URL('./dist-rank.js', import.meta.url));

interface CommStats {
  calls: number;
  floats: number;
  seconds: number;
  collectiveSeconds: number;
  channelSeconds: number;
}
interface ChannelRow extends CommStats {
  n: number;
}
interface TrainResult {
  /** The median epoch's milliseconds. */
  epochMs: number;
  epochs: number;
  stepsPerEpoch: number;
  params: number;
  /** The collectives over the whole timed fit (every epoch). */
  comm?: CommStats;
}

/**
 * Data-parallel training over torch.distributed (gloo) on this machine, through
 * @nabla/distributed's launcher and channel:
 *  - the channel against the gradient sizes of the examples (the MNIST MLP, the MNIST CNN, the
 *    character Transformer, the bench's transformer-step) and a 10-float call (latency) and 4M
 *    floats (bandwidth): per allReduceSum call with 2 ranks, the whole call as Node sees it,
 *    torch's all_reduce alone (timed inside the rank's Python process), and the rest, the
 *    channel (a copy into the shared-memory file, a pipe round trip, a copy back), in µs and GB/s
 *    over its two copies;
 *  - the MNIST MLP (784-128-10, Adam, batch 64 global) fitted on all 10,000 digits, 5 timed epochs
 *    after a warm-up epoch, as one plain process and with 1, 2 and 4 ranks: samples per second
 *    (the job's, from the median epoch), and per step (over all 5 epochs) the time in
 *    collectives (torch's and the channel's) against the step, and the bytes each rank moves
 *    (through the channel, and over gloo's sockets: a ring all-reduce sends 2(N-1)/N of the
 *    data per rank). With the onnx backend each rank gets cores/ranks - 1 intra-op threads (at
 *    least one; see launch). With fewer cores than ranks the ranks share them: the figure that
 *    matters there is the collectives' share of a step.
 */
export async function distMlpBench(backends: string[]): Promise<Result[]> {
  const { python, reason } = findPython();
  if (!python)
    return [{ workload: 'dist-mlp', size: 'torch.distributed', impl: 'launcher', medianMs: 0, runs: 0, value: 0, unit: '', note: reason }];
  console.log(`dist-mlp: ${reason}`);
  const results = await channelRows(python);
  for (const backend of backends) {
    const size = `MNIST MLP 784-128-10, Adam, batch 64 global, ${SAMPLES} samples, median of ${EPOCHS} epochs, nabla-${backend}`;
    for (const ranks of [0, ...RANKS]) {
      const { result } = await launch<TrainResult>(python, ranks, { mode: 'train', backend, samples: SAMPLES, epochs: EPOCHS });
      results.push(trainRow(size, ranks, result));
    }
  }
  return results;
}

/** The sizes of the examples' gradients: their trainable parameters. */
function gradientSizes(): [string, number][] {
  const cnn = new nn.Sequential([
    new nn.Conv2D(16, 3, { inputShape: [28, 28, 1], activation: 'relu' }),
    new nn.MaxPooling2D(2),
    new nn.Conv2D(32, 3, { activation: 'relu' }),
    new nn.MaxPooling2D(2),
    new nn.Flatten(),
    new nn.Dense(10, { activation: 'softmax' }),
  ]);
  // apps/cli's char-transformer: vocabulary 29, length 16, width 64, 2 pre-norm causal blocks.
  const tokens = nn.input({ shape: [16], dtype: 'int32' });
  const embedded = new nn.Embedding(29, 64).apply(tokens);
  let h = new nn.Add().apply([embedded, new nn.PositionEmbedding(16).apply(embedded)]);
  for (let b = 0; b < 2; b++) h = new nn.TransformerEncoder(256, 4, { useCausalMask: true, normalizeFirst: true }).apply(h);
  const transformer = new nn.Model({ inputs: tokens, outputs: new nn.Dense(29).apply(h) });
  const step = LAYER_WORKLOADS.find((w) => w.name === 'transformer-step');
  const models: [string, { countParams(): number; dispose(): void }][] = [
    ['MNIST MLP', mnistMlp()],
    ['MNIST CNN', cnn],
    ['char Transformer', transformer],
    ...(step ? [['transformer-step', step.nabla() as unknown as nn.Model] as [string, nn.Model]] : []),
  ];
  const sizes = models.map(([name, m]): [string, number] => [name, m.countParams()]);
  for (const [, m] of models) m.dispose();
  return [['latency', 10], ...sizes, ['bandwidth', 4_000_000]];
}

async function channelRows(python: string): Promise<Result[]> {
  const sizes = gradientSizes();
  const { result } = await launch<ChannelRow[]>(python, 2, { mode: 'channel', sizes: sizes.map(([, n]) => n), calls: CALLS });
  return result.flatMap((r, i) => {
    const us = (s: number) => (s / r.calls) * 1e6;
    const size = `allReduceSum of ${r.n.toLocaleString('en')} floats (${sizes[i][0]}), 2 gloo ranks`;
    const row = (impl: string, seconds: number, remark?: string): Result => ({
      workload: 'dist-mlp',
      size,
      impl,
      medianMs: (seconds / r.calls) * 1e3,
      runs: r.calls,
      value: us(seconds),
      unit: 'µs/call',
      higherIsBetter: false,
      ...(remark ? { remark } : {}),
    });
    const gbs = (8 * r.n) / us(r.channelSeconds) / 1e3;
    return [
      row('whole call (Node)', r.seconds),
      row('torch all_reduce', r.collectiveSeconds),
      row('channel', r.channelSeconds, `${gbs.toFixed(2)} GB/s over its two copies of ${kb(4 * r.n)}`),
    ];
  });
}

function trainRow(size: string, ranks: number, r: TrainResult): Result {
  const stepMs = r.epochMs / r.stepsPerEpoch;
  const steps = r.epochs * r.stepsPerEpoch;
  const base = {
    workload: 'dist-mlp',
    size,
    impl: ranks === 0 ? '1 process' : `${ranks} rank${ranks > 1 ? 's' : ''}`,
    medianMs: r.epochMs,
    runs: r.epochs,
    value: SAMPLES / (r.epochMs / 1000),
    unit: 'samples/s',
  };
  if (!r.comm) return { ...base, remark: `step ${stepMs.toFixed(2)} ms, no launcher, no collectives` };
  const per = (s: number) => ((s / steps) * 1e3).toFixed(2);
  const floats = r.comm.floats / steps;
  const sent = ranks > 1 ? ((2 * (ranks - 1)) / ranks) * 4 * floats : 0;
  return {
    ...base,
    remark:
      `step ${stepMs.toFixed(2)} ms, of it collectives ${per(r.comm.seconds)} ms (torch ${per(r.comm.collectiveSeconds)}, channel ${per(r.comm.channelSeconds)}); ` +
      `per step and rank ${kb(4 * floats)} each way through the channel, ${kb(sent)} sent over gloo (${r.params.toLocaleString('en')} parameters)`,
  };
}

const kb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

/** Runs dist-rank.js: with `ranks` ranks through the launcher, or (0) as one plain process. Rank 0's result. */
function launch<T>(python: string, ranks: number, job: object): Promise<{ worldSize: number; result: T }> {
  const command =
    ranks === 0
      ? [process.execPath, RANK_SCRIPT, JSON.stringify(job)]
      : [python, '-m', 'nabla_dist', '--nproc', String(ranks), '--node', process.execPath, RANK_SCRIPT, JSON.stringify(job)];
  // Each rank's share of the cores, less one for the ranks' Python processes: onnxruntime's
  // intra-op threads spin after each run, and a rank's Python process left without a core then
  // answers late (one rank on two cores: 2.6x slower epochs with two threads than with one).
  const threads = String(Math.max(1, Math.floor(cpus().length / Math.max(1, ranks)) - 1));
  const env = {
    ...process.env,
    PYTHONPATH: [pythonPath, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    ...(ranks > 0 ? { NABLA_ONNX_THREADS: threads } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('DIST_RESULT '));
      if (code !== 0 || !line)
        reject(new Error(`dist-mlp: ${command.slice(0, 5).join(' ')} ... failed (${code}):\n${output.slice(-3000)}`));
      else resolve(JSON.parse(line.slice('DIST_RESULT '.length)));
    });
  });
}
