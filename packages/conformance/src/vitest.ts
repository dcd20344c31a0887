import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Fixtures, OpCase, TrainingRun } from './fixtures.js';
import { buildCases, capabilitiesOf, runCase } from './suite.js';

/** vitest collects tests synchronously, so the fixtures are read synchronously here. */
function loadFixturesSync(): Fixtures {
  const require = createRequire(import.meta.url);
  const opsPath = require.resolve('@nabla/test-fixtures/ops.json');
  const dir = join(dirname(opsPath), 'training');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return {
    ops: JSON.parse(readFileSync(opsPath, 'utf8')).cases as OpCase[],
    training: files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrainingRun),
  };
}

/**
 * Declares one vitest test per conformance case for a registered backend. A case the backend
 * cannot run (a missing dtype) is declared skipped with the reason in its name: none is silent.
 */
export function describeConformance(backend: string, opts: { fixtures?: Fixtures; filter?: (id: string) => boolean } = {}): void {
  const fixtures = opts.fixtures ?? loadFixturesSync();
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
