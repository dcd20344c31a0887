import { loadavg } from 'node:os';
import * as nb from '@nabla/core';
import { measure, measureInterleaved, type Result } from './harness.js';
import { LAYER_WORKLOADS, type LayerWorkload, workloadData } from './layer-workloads.js';
import { PEERS, type Peer, usePeer } from './peers.js';
import { NOT_INSTALLED, startTorch, TORCH_THREADS, type TorchSession, torchPython, WAIT_POLICIES } from './torch-peer.js';

/** Distinct batches each implementation cycles through: one measured run of nabla or PyTorch. */
export const BATCHES = 8;
/** nabla and PyTorch take turns, a run each per round, for about this long (at least 3 rounds). */
const TURNS_BUDGET_MS = 15_000;
/** TensorFlow.js, one step per run, for about this long each; its slow steps still take 3. */
const TFJS_BUDGET_MS = 3000;

/** The speed targets: `impl` at least `atLeast` times as fast as `peer` (peer ms / nabla ms). */
const TARGETS: Record<string, { impl: string; peer: string; atLeast: number }[]> = {
  'conv-step': [
    { impl: 'nabla-onnx', peer: 'pytorch', atLeast: 1 },
    { impl: 'nabla-cpu', peer: 'tfjs-cpu', atLeast: 20 },
  ],
  'lstm-step': [
    { impl: 'nabla-onnx', peer: 'pytorch', atLeast: 1 },
    { impl: 'nabla-cpu', peer: 'tfjs-cpu', atLeast: 5 },
    { impl: 'nabla-onnx-wasm', peer: 'tfjs-wasm', atLeast: 1 },
  ],
  'transformer-step': [{ impl: 'nabla-onnx', peer: 'pytorch', atLeast: 1 / 1.5 }],
};

function row(w: LayerWorkload, impl: string) {
  return { workload: w.name, size: w.size, impl, unit: 'ms/step', higherIsBetter: false };
}

function noFigure(w: LayerWorkload, impl: string, note: string): Result {
  return { ...row(w, impl), medianMs: Number.NaN, runs: 0, value: Number.NaN, note };
}

function firstLine(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

/** One run of an implementation that takes turns: BATCHES train steps. */
export interface Turn {
  impl: string;
  run: () => Promise<unknown>;
  close: () => void;
}

/**
 * nabla on one backend: fit for one epoch over the batches (a step each, in order), as a Keras
 * user trains. Built and run once here, so that a backend that fails is named in its row.
 */
export async function nablaTurn(w: LayerWorkload, backend: string, x: Float32Array, y: Float32Array | Int32Array): Promise<Turn> {
  nb.setBackend(backend);
  const model = w.nabla();
  const n = BATCHES * w.batch;
  const tx = nb.tensor(x, [n, ...w.xShape]);
  const ty = nb.tensor(y, [n, ...w.yShape], w.labels === 'classes' ? 'int32' : 'float32');
  const close = () => {
    model.dispose();
    nb.dispose([tx, ty]);
  };
  const run = async () => {
    // fit runs on the backend its model was built on, and the turns switch backends.
    nb.setBackend(backend);
    await model.fit(tx, ty, { epochs: 1, batchSize: w.batch, shuffle: false, verbose: 0 });
    // A GPU backend runs asynchronously: the run ends when a weight of the last step is read back.
    await (model.getWeights().at(-1) as nb.Tensor).data();
  };
  try {
    await run();
  } catch (e) {
    close();
    throw e;
  }
  return { impl: `nabla-${backend}`, run, close };
}

/** PyTorch with one OpenMP wait policy: BATCHES steps per run, in its own process. */
function torchTurn(session: TorchSession, impl: string): Turn {
  return { impl, run: () => session.steps(BATCHES), close: () => session.close() };
}

/** TensorFlow.js: trainOnBatch, one step per measured run, cycling over the batches. */
async function tfjsStep(w: LayerWorkload, peer: Peer, x: Float32Array, y: Float32Array | Int32Array): Promise<Result> {
  if (typeof w.tfjs === 'string') return noFigure(w, peer, w.tfjs);
  const tf = await usePeer(peer);
  const model = w.tfjs(tf);
  const xSize = x.length / BATCHES;
  const ySize = y.length / BATCHES;
  const xs = Array.from({ length: BATCHES }, (_, k) => tf.tensor(x.subarray(k * xSize, (k + 1) * xSize), [w.batch, ...w.xShape]));
  // TensorFlow.js's sparse cross-entropy wants float labels.
  const ys = Array.from({ length: BATCHES }, (_, k) =>
    tf.tensor(Float32Array.from(y.subarray(k * ySize, (k + 1) * ySize)), [w.batch, ...w.yShape]),
  );
  let k = 0;
  try {
    const timing = await measure(
      () => {
        const i = k++ % BATCHES;
        return model.trainOnBatch(xs[i], ys[i]);
      },
      { budgetMs: TFJS_BUDGET_MS, minRuns: 3, maxRuns: 50 },
    );
    return { ...row(w, peer), ...timing, value: timing.medianMs };
  } catch (e) {
    return noFigure(w, peer, `cannot train it: ${firstLine(e)}`);
  } finally {
    model.dispose();
    tf.dispose([...xs, ...ys]);
  }
}

/**
 * nabla's backends and PyTorch (both wait policies), each started and warmed up, then timed in
 * turns (a run of BATCHES steps each per round), so that the shared machine's drifting load falls
 * on all alike; per-step medians. PyTorch's row is the faster of its two policies.
 */
async function turnsResults(w: LayerWorkload, backends: string[], x: Float32Array, y: Float32Array | Int32Array): Promise<Result[]> {
  const turns: Turn[] = [];
  const failed = new Map<string, string>();
  for (const backend of backends) {
    try {
      turns.push(await nablaTurn(w, backend, x, y));
    } catch (e) {
      failed.set(`nabla-${backend}`, `failed: ${firstLine(e)}`);
    }
  }
  const python = await torchPython();
  if (python === null) failed.set('pytorch', NOT_INSTALLED);
  let about = '';
  for (const policy of python === null ? [] : WAIT_POLICIES) {
    try {
      const session = await startTorch(python as string, w.name, w.sizes, policy);
      about = `PyTorch ${session.torch}, ${session.threads} threads`;
      turns.push(torchTurn(session, `pytorch ${policy}`));
    } catch (e) {
      failed.set('pytorch', firstLine(e));
    }
  }
  try {
    const timings = await measureInterleaved(Object.fromEntries(turns.map((t) => [t.impl, t.run])), {
      budgetMs: TURNS_BUDGET_MS,
      minRounds: 3,
      maxRounds: 25,
    });
    const perStep = (impl: string): Result => {
      const t = timings[impl];
      return { ...row(w, impl), medianMs: t.medianMs / BATCHES, runs: t.runs, value: t.medianMs / BATCHES };
    };
    const torch = WAIT_POLICIES.map((p) => timings[`pytorch ${p}`] && perStep(`pytorch ${p}`)).filter((r) => r !== undefined);
    if (torch.length) {
      const each = torch.map((r) => `${r.impl.slice('pytorch '.length)} ${r.medianMs.toFixed(2)} ms`).join(', ');
      console.log(`${w.name}: ${about}, OpenMP waiting ${each} per step: the faster counts`);
    }
    const fastest = torch.reduce<Result | undefined>((a, b) => (a === undefined || b.medianMs < a.medianMs ? b : a), undefined);
    return [
      ...backends.map((b) =>
        failed.has(`nabla-${b}`) ? noFigure(w, `nabla-${b}`, failed.get(`nabla-${b}`) as string) : perStep(`nabla-${b}`),
      ),
      fastest ? { ...fastest, impl: 'pytorch' } : noFigure(w, 'pytorch', failed.get('pytorch') ?? 'PyTorch failed'),
    ];
  } finally {
    for (const t of turns) t.close();
  }
}

/** Each target as 'impl over peer: ratio (target >= n: met|missed)', or why it has no ratio. */
function targetLines(name: string, results: Result[]): string[] {
  const find = (impl: string) => results.find((r) => r.impl === impl);
  const lines = (TARGETS[name] ?? []).map(({ impl, peer, atLeast }) => {
    const [a, b] = [find(impl), find(peer)];
    const want = `target >= ${Number(atLeast.toFixed(2))}`;
    const why = !a ? `${impl} not run` : (a.note ?? (!b ? `${peer} not run` : b.note));
    if (!a || !b || why !== undefined) return `  ${impl} over ${peer}: no ratio (${why}; ${want})`;
    const ratio = b.medianMs / a.medianMs;
    return `  ${impl} over ${peer}: ${ratio.toFixed(2)} (${want}: ${ratio >= atLeast ? 'met' : 'missed'})`;
  });
  if (name === 'conv-step') {
    const wasm = find('nabla-onnx-wasm');
    lines.push(`  nabla-onnx-wasm trains it: ${wasm === undefined ? 'not run' : (wasm.note ?? 'yes')}`);
  }
  return lines;
}

/**
 * One of issue 12's layer train steps on every nabla backend, PyTorch (2 threads) and
 * TensorFlow.js (CPU, WASM), median ms per step, then the issue's targets as ratios.
 */
export async function layerStepBench(name: string, backends: string[]): Promise<Result[]> {
  const w = LAYER_WORKLOADS.find((l) => l.name === name) as LayerWorkload;
  const { x, y } = workloadData(w, BATCHES);
  console.log(
    `${name}: nabla (fit, an epoch of ${BATCHES} batches) and PyTorch (${TORCH_THREADS} threads, the same ${BATCHES} steps) take turns, a run each per round after a warm-up run; ` +
      `TensorFlow.js (trainOnBatch) is timed a step per run after a warm-up step; ms per step, medians over the runs shown (load average ${loadavg()[0].toFixed(2)})`,
  );
  const results = await turnsResults(w, backends, x, y);
  for (const peer of PEERS) results.push(await tfjsStep(w, peer, x, y));
  const targets = targetLines(name, results);
  if (targets.length) console.log(`${name} targets (peer ms / nabla ms):\n${targets.join('\n')}`);
  return results;
}
