import { loadavg } from 'node:os';
import * as nb from '@nabla/core';
import { measure, type Result } from './harness.js';
import { LAYER_WORKLOADS, type LayerWorkload, type NablaModel, workloadData } from './layer-workloads.js';
import { PEERS, type Peer, usePeer } from './peers.js';
import { TORCH_THREADS, torchStep } from './torch-peer.js';

/** Distinct batches each implementation cycles through. */
const BATCHES = 8;
/** Time spent on each implementation after its warm-up; slow peers still take 3 steps. */
const BUDGET_MS = 3000;
const MIN_STEPS = 3;
const MAX_STEPS = 50;

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

/**
 * nabla: fit for one epoch over the batches (a step each, in order), as a Keras user trains; a
 * measured run is that epoch, its time divided by the batches is the figure. The warm-up epoch
 * traces and compiles the step.
 */
async function nablaStep(w: LayerWorkload, backend: string, x: Float32Array, y: Float32Array | Int32Array): Promise<Result> {
  const impl = `nabla-${backend}`;
  nb.setBackend(backend);
  const n = BATCHES * w.batch;
  const tx = nb.tensor(x, [n, ...w.xShape]);
  const ty = nb.tensor(y, [n, ...w.yShape], w.labels === 'classes' ? 'int32' : 'float32');
  let model: NablaModel | undefined;
  try {
    model = w.nabla();
    const fitted = model;
    const timing = await measure(() => fitted.fit(tx, ty, { epochs: 1, batchSize: w.batch, shuffle: false, verbose: 0 }), {
      budgetMs: BUDGET_MS,
      minRuns: MIN_STEPS,
      maxRuns: MAX_STEPS,
    });
    const perStep = timing.medianMs / BATCHES;
    return { ...row(w, impl), medianMs: perStep, runs: timing.runs, value: perStep };
  } catch (e) {
    // Shown in its row (and in the targets), so that the other backends' figures still print.
    return noFigure(w, impl, `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    model?.dispose();
    nb.dispose([tx, ty]);
  }
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
      { budgetMs: BUDGET_MS, minRuns: MIN_STEPS, maxRuns: MAX_STEPS },
    );
    return { ...row(w, peer), ...timing, value: timing.medianMs };
  } catch (e) {
    return noFigure(w, peer, `cannot train it: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    model.dispose();
    tf.dispose([...xs, ...ys]);
  }
}

/** Each target as 'impl over peer: ratio (target >= n: met|missed)', or why it has no ratio. */
function targetLines(name: string, results: Result[]): string[] {
  const find = (impl: string) => results.find((r) => r.impl === impl);
  const lines = (TARGETS[name] ?? []).map(({ impl, peer, atLeast }) => {
    const [a, b] = [find(impl), find(peer)];
    const want = `target >= ${Number(atLeast.toFixed(2))}`;
    if (!a || !b || a.note !== undefined || b.note !== undefined)
      return `  ${impl} over ${peer}: no ratio (${a?.note ?? b?.note ?? 'not run'}; ${want})`;
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
 * One of issue 12's layer train steps on every nabla backend, TensorFlow.js (CPU, WASM) and
 * PyTorch (2 threads), median ms per step, then the issue's targets as ratios.
 */
export async function layerStepBench(name: string, backends: string[]): Promise<Result[]> {
  const w = LAYER_WORKLOADS.find((l) => l.name === name) as LayerWorkload;
  const { x, y } = workloadData(w, BATCHES);
  console.log(
    `${name}: nabla times fit's epochs of ${BATCHES} steps (ms per step = epoch / ${BATCHES}, runs = epochs), TensorFlow.js trainOnBatch and PyTorch (${TORCH_THREADS} threads) single steps cycling over the same ${BATCHES} batches (runs = steps); one warm-up run each; medians (load average ${loadavg()[0].toFixed(2)})`,
  );
  const results: Result[] = [];
  for (const backend of backends) results.push(await nablaStep(w, backend, x, y));
  for (const peer of PEERS) results.push(await tfjsStep(w, peer, x, y));
  results.push(await torchStep(w.name, w.size, w.sizes, BUDGET_MS));
  const targets = targetLines(name, results);
  if (targets.length) console.log(`${name} targets (peer ms / nabla ms):\n${targets.join('\n')}`);
  return results;
}
