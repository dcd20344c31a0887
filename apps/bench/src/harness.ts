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
  const t = await measureInterleaved({ fn: async () => fn() }, { budgetMs, minRounds: minRuns, maxRounds: maxRuns });
  return t.fn;
}

/**
 * Two implementations timed in alternation (A, B, A, B, ...), so that drifting machine load and
 * clock speed fall on both alike: for ratios that must be precise, e.g. overhead over a floor.
 */
export async function measurePair(
  a: () => unknown | Promise<unknown>,
  b: () => unknown | Promise<unknown>,
  opts: { budgetMs?: number; minRuns?: number; maxRuns?: number } = {},
): Promise<[Timing, Timing]> {
  const { budgetMs = 4000, minRuns = 5, maxRuns = 40 } = opts;
  const t = await measureInterleaved({ a: async () => a(), b: async () => b() }, { budgetMs, minRounds: minRuns, maxRounds: maxRuns });
  return [t.a, t.b];
}

/**
 * Several implementations timed round-robin (one run of each per round, after one warm-up run
 * each), so that drift in machine load falls on all of them alike and the ratios between them
 * hold even when the absolute times wander. Medians per implementation.
 */
export async function measureInterleaved(
  impls: Record<string, () => Promise<unknown>>,
  opts: { budgetMs?: number; minRounds?: number; maxRounds?: number } = {},
): Promise<Record<string, Timing>> {
  const { budgetMs = 15000, minRounds = 5, maxRounds = 25 } = opts;
  const names = Object.keys(impls);
  for (const name of names) await impls[name]();
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const start = performance.now();
  for (let round = 0; round < minRounds || (round < maxRounds && performance.now() - start < budgetMs); round++) {
    for (const name of names) {
      const t0 = performance.now();
      await impls[name]();
      times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { medianMs: median(times[n]), runs: times[n].length }]));
}

function median(v: number[]): number {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One row of results: a workload at a size, on one implementation. */
export interface Result {
  workload: string;
  size: string;
  impl: string;
  medianMs: number;
  runs: number;
  /** The workload's own figure of merit (GFLOP/s, samples/s, ms/step, ...). */
  value: number;
  unit: string;
  /** False for times (ms/step), where less is better; throughputs (the default) are the opposite. */
  higherIsBetter?: boolean;
  /** Why this row has no figure (a peer not installed, a layer it lacks): printed instead of one. */
  note?: string;
  /** What the figure includes that its name does not say (an onnx-webgpu graph run on the CPU): printed after it. */
  remark?: string;
}

/**
 * How many times faster `r` is than `peer`, whatever the unit's direction: for throughputs the
 * ratio of values, for times the inverse. Phrased both ways so that a ratio under 1 never reads
 * as a speedup.
 */
function speedup(r: Result, peer: Result): string {
  const x = r.higherIsBetter === false ? peer.value / r.value : r.value / peer.value;
  return x >= 1 ? `${x.toFixed(2)}x faster than ${peer.impl}` : `${(1 / x).toFixed(2)}x slower than ${peer.impl}`;
}

/** Prints results grouped by workload and size, with how much faster each of ours is than every peer. */
export function report(results: Result[], ours: string[]): string {
  const lines: string[] = [];
  const width = Math.max(15, ...results.map((r) => r.impl.length));
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const key = `${r.workload} ${r.size}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rows] of groups) {
    lines.push(rows[0].higherIsBetter === false ? `${key} (${rows[0].unit}, lower is better)` : key);
    for (const r of rows) {
      if (r.note !== undefined) {
        lines.push(`  ${r.impl.padEnd(width)} ${r.note}`);
        continue;
      }
      const peers = rows.filter((p) => !ours.includes(p.impl) && p.note === undefined);
      const ratios = ours.includes(r.impl) ? peers.map((p) => speedup(r, p)) : [];
      lines.push(
        `  ${r.impl.padEnd(width)} ${r.value.toFixed(r.value < 10 ? 3 : 2).padStart(10)} ${r.unit.padEnd(10)} median ${r.medianMs.toFixed(2).padStart(9)} ms over ${String(r.runs).padStart(2)} runs${ratios.length ? `   ${ratios.join(', ')}` : ''}${r.remark ? `   (${r.remark})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
