import type { Case, CaseResult } from './case.js';
import { crossOpCases, type Memo } from './cases/cross.js';
import { familyRuns } from './cases/cross-models.js';
import { crossTrainingCases, fixtureRun } from './cases/cross-training.js';
import { allSpecCases } from './cases/spec-cases.js';
import type { Fixtures } from './fixtures.js';
import { type Report, runCase } from './suite.js';

/** Every pair of the backends, in order: [a, b] with a listed before b. */
export function pairsOf(backends: readonly string[]): [string, string][] {
  return backends.flatMap((a, i) => backends.slice(i + 1).map((b): [string, string] => [a, b]));
}

/**
 * The cases of one pair of backends: every op case (the fixtures' and the hand-written nan,
 * integers and empty ones) forward and, where it has a cotangent, its gradient; then every
 * training run, the recorded ones and the layer families' (cross-models.ts), step by step.
 * Cases of pairs built with the same memo compute each backend's values once.
 */
export function buildCrossCases(a: string, b: string, fixtures: Fixtures, memo: Memo = new Map()): Case[] {
  const runs = [...fixtures.training.map(fixtureRun), ...familyRuns()];
  return [...crossOpCases(a, b, [...fixtures.ops, ...allSpecCases()], memo), ...crossTrainingCases(a, b, runs, memo)];
}

/** Runs the cases of every pair of `backends`: one report per pair, named `a vs b`. */
export async function runCrossConformance(
  backends: readonly string[],
  fixtures: Fixtures,
  opts: { filter?: (id: string) => boolean } = {},
): Promise<Report[]> {
  const memo: Memo = new Map();
  const reports: Report[] = [];
  for (const [a, b] of pairsOf(backends)) {
    const results: CaseResult[] = [];
    for (const c of buildCrossCases(a, b, fixtures, memo)) {
      if (!opts.filter || opts.filter(c.id)) results.push(await runCase(c, a));
    }
    const count = (s: string) => results.filter((r) => r.status === s).length;
    reports.push({
      backend: `${a} vs ${b}`,
      results,
      summary: { pass: count('pass'), fail: count('fail'), skip: count('skip'), total: results.length },
    });
  }
  return reports;
}
