import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadFixturesSync } from './node.js';
import { buildCases } from './suite.js';

const fixturesDir = dirname(createRequire(import.meta.url).resolve('@nabla/test-fixtures/ops.json'));

describe('the fixtures', () => {
  test('cover at least 300 op/shape pairs, each counted once', () => {
    const { ops } = loadFixturesSync();
    const pairs = new Set(ops.map((c) => `${c.op} ${c.inputs.map((i) => `[${i.shape}]`).join(' ')}`));
    expect(pairs.size).toBeGreaterThanOrEqual(300);
    expect(buildCases(loadFixturesSync()).length).toBeGreaterThan(pairs.size);
  });

  test('regenerating them gives the same bytes', () => {
    const out = mkdtempSync(join(tmpdir(), 'nabla-fixtures-'));
    execFileSync(process.execPath, [join(fixturesDir, 'generate', 'main.mjs')], {
      env: { ...process.env, FIXTURES_OUT: out },
      stdio: 'ignore',
    });
    // PyTorch makes layers-torch.json and the runs whose generator names it (generate/torch_layers.py, run by hand).
    const byTfjs = (f: string) => JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')).generator.startsWith('@tensorflow/tfjs');
    const training = readdirSync(join(fixturesDir, 'training')).map((f) => join('training', f));
    const files = ['ops.json', 'layers.json', ...training.filter(byTfjs)];
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(fixturesDir, f))), f).toBe(true);
    // About 30 s alone (layers.json's finite differences are most of it); more on shared cores.
  }, 300_000);
});
