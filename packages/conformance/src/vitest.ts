import { describe, expect, test } from 'vitest';
import { capabilitiesOf } from './case.js';
import type { Memo } from './cases/cross.js';
import { buildCrossCases, pairsOf } from './cross-suite.js';
import type { Fixtures } from './fixtures.js';
import { buildCases, runCase } from './suite.js';

/**
 * Declares one vitest test per conformance case for a registered backend. A case the backend
 * cannot run (a missing dtype) is declared skipped with the reason in its name: none is silent.
 * vitest collects tests synchronously, so the fixtures come in loaded: in Node from
 * `loadFixturesSync()` ('@nabla/conformance/node'), in a browser from JSON imports.
 */
export function describeConformance(backend: string, fixtures: Fixtures, opts: { filter?: (id: string) => boolean } = {}): void {
  describe(`conformance on '${backend}'`, () => {
    for (const c of buildCases(fixtures)) {
      if (opts.filter && !opts.filter(c.id)) continue;
      const why = c.skip?.(capabilitiesOf(backend));
      if (why) {
        test.skip(`${c.id} (skipped: ${why})`, () => {});
        continue;
      }
      test(c.id, async () => {
        const r = await runCase(c, backend);
        expect(r.status, r.detail).toBe('pass');
      });
    }
  });
}

/**
 * Declares one vitest test per cross-backend case of every pair of registered backends: op
 * values and gradients, and training runs, each backend's computed once for all its pairs.
 * With `involving`, only the pairs that include that backend (a new backend's package checks
 * itself against the others without repeating their pairs).
 */
export function describeCrossBackends(
  backends: readonly string[],
  fixtures: Fixtures,
  opts: { filter?: (id: string) => boolean; involving?: string } = {},
): void {
  const memo: Memo = new Map();
  for (const [a, b] of pairsOf(backends)) {
    if (opts.involving !== undefined && a !== opts.involving && b !== opts.involving) continue;
    describe(`conformance across '${a}' and '${b}'`, () => {
      for (const c of buildCrossCases(a, b, fixtures, memo)) {
        if (opts.filter && !opts.filter(c.id)) continue;
        const why = c.skip?.(capabilitiesOf(a));
        if (why) {
          test.skip(`${c.id} (skipped: ${why})`, () => {});
          continue;
        }
        test(c.id, async () => {
          const r = await runCase(c, a);
          expect(r.status, r.detail).toBe('pass');
        });
      }
    });
  }
}
