/**
 * Timing: one warm-up run, then repeated runs until a time budget is spent (at least `minRuns`),
 * reporting the median, since these machines are noisy.
 */
export interface Timing {
  medianMs: number;
  runs: number;
}

export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: { budgetMs?: number; minRuns?: number; maxRuns?: number } = {},
): Promise<Timing> {
  const { budgetMs = 2000, minRuns = 3, maxRuns = 25 } = opts;
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (times.length < maxRuns && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { medianMs, runs: times.length };
}

/** One row of results: a workload at a size, on one implementation. */
export interface Result {
  workload: string;
  size: string;
  impl: string;
  medianMs: number;
  runs: number;
  /** The workload's own figure of merit (GFLOP/s, samples/s, ...). */
  value: number;
  unit: string;
}

/** Prints results grouped by workload and size, with each impl's ratio to every peer. */
export function report(results: Result[], ours: string[]): string {
  const lines: string[] = [];
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const key = `${r.workload} ${r.size}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rows] of groups) {
    lines.push(key);
    for (const r of rows) {
      const ratios = ours.includes(r.impl)
        ? rows.filter((p) => !ours.includes(p.impl)).map((p) => `${(r.value / p.value).toFixed(2)}x ${p.impl}`)
        : [];
      lines.push(
        `  ${r.impl.padEnd(12)} ${r.value.toFixed(2).padStart(10)} ${r.unit.padEnd(10)} median ${r.medianMs.toFixed(2).padStart(9)} ms over ${String(r.runs).padStart(2)} runs${ratios.length ? `   ${ratios.join(', ')}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
