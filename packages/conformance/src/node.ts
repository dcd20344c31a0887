import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Fixtures, LayerCase, OpCase, TrainingRun } from './fixtures.js';

/** Reads the fixtures of @nabla/test-fixtures synchronously (Node), for describeConformance. */
export function loadFixturesSync(): Fixtures {
  const require = createRequire(import.meta.url);
  const opsPath = require.resolve('@nabla/test-fixtures/ops.json');
  const dir = join(dirname(opsPath), 'training');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return {
    ops: JSON.parse(readFileSync(opsPath, 'utf8')).cases as OpCase[],
    training: files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrainingRun),
    layers: ['layers.json', 'layers-torch.json'].flatMap(
      (f) => JSON.parse(readFileSync(join(dirname(opsPath), f), 'utf8')).cases as LayerCase[],
    ),
  };
}
