import { measure, type Result, type Timing } from './harness.js';

/**
 * How long one measured run may take before the larger sizes of a workload are skipped on that
 * backend: nabla's cpu backend takes minutes for one 8192x8192 product, and a software WebGPU
 * adapter longer still.
 */
export const SLOW_RUN_MS = 60_000;

/**
 * Times `run` as the harness does (a warm-up run, then runs until the budget is spent, at least
 * three), unless the previous size's median, scaled by `growth` (how much more work this size
 * is), says one run would take over SLOW_RUN_MS: then the row says so instead of a figure.
 */
export async function timeOrSkip(
  run: () => Promise<unknown>,
  previousMs: number | undefined,
  growth: number,
  budgetMs: number,
): Promise<Timing | string> {
  if (previousMs !== undefined && previousMs * growth > SLOW_RUN_MS) {
    return `skipped: about ${((previousMs * growth) / 1000).toFixed(0)} s per run, from the size before`;
  }
  return measure(run, { budgetMs, minRuns: 3, maxRuns: 25 });
}

/** A row with no figure, and the reason printed in its place. */
export function noteRow(base: Omit<Result, 'medianMs' | 'runs' | 'value'>, note: string): Result {
  return { ...base, medianMs: Number.NaN, runs: 0, value: Number.NaN, note };
}
