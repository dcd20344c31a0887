import * as nb from '@nabla/core';
import { type Case, type CaseResult, capabilitiesOf } from './case.js';
import { finiteDifferenceCase } from './cases/finite-differences.js';
import { indexCases } from './cases/indices.js';
import { layerCases } from './cases/layers.js';
import { forwardCase, gradientCase } from './cases/ops.js';
import { rngCases } from './cases/rng.js';
import { specCases } from './cases/spec.js';
import { allSpecCases, specErrorCases } from './cases/spec-cases.js';
import { isRunnable, trainingCase } from './cases/training.js';
import type { Fixtures } from './fixtures.js';

/** Every case, in report order: forward, gradient, float64 differences, RNG, training, layers, then the defined semantics (NaN, integers, empty tensors). */
export function buildCases(fixtures: Fixtures): Case[] {
  const ops = fixtures.ops;
  return [
    ...ops.map((c) => forwardCase(c)),
    ...ops.map(gradientCase).filter((c): c is Case => c !== null),
    ...ops.map(finiteDifferenceCase).filter((c): c is Case => c !== null),
    ...rngCases(),
    ...indexCases(),
    ...fixtures.training.filter(isRunnable).map(trainingCase),
    ...layerCases(fixtures.layers),
    ...allSpecCases().flatMap(specCases),
    ...specErrorCases(),
  ];
}

/**
 * Runs one case on a backend. Whatever it computes must be freed when it ends: a tensor or a
 * buffer left behind fails the case.
 */
export async function runCase(c: Case, backend: string): Promise<CaseResult> {
  const base = { id: c.id, group: c.group, tolerance: c.tolerance };
  const skip = c.skip?.(capabilitiesOf(backend));
  if (skip) return { ...base, status: 'skip', detail: skip };
  const previous = nb.getBackend();
  nb.setBackend(backend);
  const before = nb.memory();
  try {
    const outcome = await c.run();
    const after = nb.memory();
    const leakedTensors = after.numTensors - before.numTensors;
    // Every backend's buffers: a cross-backend case computes on two.
    const leakedBuffers = after.numBuffers - before.numBuffers;
    if (outcome.status === 'pass' && (leakedTensors !== 0 || leakedBuffers !== 0)) {
      return { ...base, ...outcome, status: 'fail', detail: `left ${leakedTensors} tensors and ${leakedBuffers} buffers behind` };
    }
    return { ...base, ...outcome };
  } catch (e) {
    return { ...base, status: 'fail', detail: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
  } finally {
    nb.setBackend(previous);
  }
}

export interface Report {
  backend: string;
  results: CaseResult[];
  summary: { pass: number; fail: number; skip: number; total: number };
}

export async function runConformance(
  backend: string,
  fixtures: Fixtures,
  opts: { filter?: (id: string) => boolean } = {},
): Promise<Report> {
  const results: CaseResult[] = [];
  for (const c of buildCases(fixtures)) {
    if (opts.filter && !opts.filter(c.id)) continue;
    results.push(await runCase(c, backend));
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return { backend, results, summary: { pass: count('pass'), fail: count('fail'), skip: count('skip'), total: results.length } };
}
