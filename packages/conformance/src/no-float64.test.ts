import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import { registerNoFloat64Backend } from '../../nn/src/test-utils/no-float64-backend.js';
import { capabilitiesOf } from './case.js';
import { allSpecCases, specErrorCases } from './cases/spec-cases.js';
import { runCrossConformance } from './cross-suite.js';
import { loadFixturesSync } from './node.js';
import { buildCases, runConformance } from './suite.js';

/**
 * A backend without float64 (WebGPU's case) runs the whole suite: every case that needs no
 * float64 passes, and exactly those that need it are skipped, with the reason, never failed.
 */
const NO_F64 = registerNoFloat64Backend();
const fixtures = loadFixturesSync();

/** The hand-written cases that compute in float64, found from their data rather than from the suite's skips. */
const float64Specs = allSpecCases().filter((c) => [...c.inputs, c.output].some((t) => t.dtype === 'float64'));
const hasGradient = (c: (typeof float64Specs)[number]) => c.grads !== null && c.cotangent !== null;

describe('the suite on a backend without float64', () => {
  test('passes every case that needs no float64, and skips the float64 ones as such', async () => {
    const report = await runConformance(NO_F64, fixtures);
    const all = buildCases(fixtures);
    expect(report.summary.total).toBe(all.length);
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.detail}`)).toEqual([]);
    const skipped = report.results.filter((r) => r.status === 'skip');
    expect(new Set(skipped.map((r) => r.detail))).toEqual(new Set(['no float64 on this backend']));
    // The float64 gradients against central differences, and the hand-written cases in float64.
    const expected = new Set(all.filter((c) => c.group === 'fd-gradient').map((c) => c.id));
    for (const c of float64Specs) {
      expected.add(`${c.group} ${c.id}`);
      if (hasGradient(c)) expected.add(`${c.group} gradient ${c.id}`);
    }
    expect(new Set(skipped.map((r) => r.id))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(500);
    expect(report.summary.pass).toBe(all.length - expected.size);
    // No error case is skipped: none computes in float64.
    expect(specErrorCases().every((c) => report.results.find((r) => r.id === c.id)?.status === 'pass')).toBe(true);
  });

  test('a backend with float64 skips none of them', () => {
    expect(buildCases(fixtures).filter((c) => c.skip?.(capabilitiesOf('cpu')) !== undefined)).toEqual([]);
  });

  test('across backends, a pair with it skips the float64 cases, naming the backend without float64, and passes the rest', async () => {
    const [report] = await runCrossConformance(['cpu', NO_F64], fixtures);
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.detail}`)).toEqual([]);
    const skipped = report.results.filter((r) => r.status === 'skip');
    expect(new Set(skipped.map((r) => r.detail))).toEqual(new Set([`no float64 on backend '${NO_F64}'`]));
    const pair = `cross cpu/${NO_F64}`;
    const expected = float64Specs.flatMap((c) => [
      `${pair} ${c.group} ${c.id}`,
      ...(hasGradient(c) ? [`${pair} gradient ${c.group} ${c.id}`] : []),
    ]);
    expect(new Set(skipped.map((r) => r.id))).toEqual(new Set(expected));
    expect(expected.length).toBeGreaterThan(0);
    // Training runs, layer families included, are float32 and run step by step on both.
    expect(report.results.filter((r) => r.id.includes(' training ') && r.status === 'pass').length).toBeGreaterThan(3);
  });
});
