import { firstLine, logGpuState, unavailable, watchFallbacks } from './gpu-backends.js';
import { noteRow } from './gpu-timing.js';
import { measureInterleaved, type Result } from './harness.js';
import { BATCHES, nablaTurn, type Turn } from './layer-steps.js';
import { LAYER_WORKLOADS, type LayerWorkload, workloadData } from './layer-workloads.js';

/**
 * The conv train step of layer-steps (batch 32, Conv2D 32 3x3 on 28x28x1, Flatten, Dense 10,
 * Adam) on the GPU backends and their CPU yardsticks: each backend fits an epoch of BATCHES
 * batches per run, the backends taking turns, a run each per round after a warm-up run (so that
 * drifting load falls on all alike); a run ends with the read of a weight its last step wrote.
 * Median ms per step.
 */
export async function gpuConvBench(backends: string[]): Promise<Result[]> {
  const w = LAYER_WORKLOADS.find((l) => l.name === 'conv-step') as LayerWorkload;
  const { x, y } = workloadData(w, BATCHES);
  const base = { workload: 'gpu-conv', size: `${w.size}, ${BATCHES} steps per run`, unit: 'ms/step', higherIsBetter: false };
  const turns: Turn[] = [];
  const notes = new Map<string, string>();
  const remarks = new Map<string, string>();
  for (const backend of backends) {
    const why = await unavailable(backend);
    if (why !== undefined) {
      notes.set(backend, why);
      continue;
    }
    try {
      const { value: turn, remark } = await watchFallbacks(backend, () => nablaTurn(w, backend, x, y));
      turns.push(turn);
      if (remark) remarks.set(backend, remark);
    } catch (e) {
      notes.set(backend, `failed: ${firstLine(e)}`);
    }
  }
  try {
    const timings = await measureInterleaved(Object.fromEntries(turns.map((t) => [t.impl, t.run])), {
      budgetMs: 15_000,
      minRounds: 3,
      maxRounds: 25,
    });
    return backends.map((b) => {
      const impl = `nabla-${b}`;
      const note = notes.get(b);
      if (note !== undefined) return noteRow({ ...base, impl }, note);
      const t = timings[impl];
      return { ...base, impl, medianMs: t.medianMs / BATCHES, runs: t.runs, value: t.medianMs / BATCHES, remark: remarks.get(b) };
    });
  } finally {
    for (const t of turns) t.close();
    await logGpuState('gpu-conv', backends);
  }
}
