/**
 * Writes the conformance fixtures: ops.json (op cases), layers.json (layer cases) and
 * training/*.json (training runs), all computed by TensorFlow.js on its CPU backend from seeded
 * inputs. (The cases TF.js cannot make come from PyTorch: generate/torch_layers.py.)
 *
 *   node test-fixtures/generate/main.mjs          (or: pnpm --filter @nabla/test-fixtures generate)
 *   node test-fixtures/generate/main.mjs --ops    only ops.json
 *   node test-fixtures/generate/main.mjs --layers     only layers.json
 *   node test-fixtures/generate/main.mjs --training   only training/*.json
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCase } from './cases.mjs';
import { stringifyTopLevel, stringifyWithList, writeAtomic } from './encode.mjs';
import { generateLayers } from './layers.mjs';
import { layerTrainingRuns } from './layers-training.mjs';
import { caseTable } from './ops.mjs';
import { probeKnownIssues } from './probes.mjs';
import { GENERATOR, loadTf } from './tf.mjs';
import { trainingRuns } from './training.mjs';

// FIXTURES_OUT writes elsewhere: the conformance tests regenerate into a temporary folder and compare.
const ROOT = process.env.FIXTURES_OUT ?? join(dirname(fileURLToPath(import.meta.url)), '..');

function generateOps(tf) {
  const started = performance.now();
  const cases = [];
  const defects = [];
  const ids = new Set();
  for (const spec of caseTable()) {
    const { rec, defect } = buildCase(tf, spec);
    if (ids.has(rec.id)) throw new Error(`duplicate case id: ${rec.id}`);
    ids.add(rec.id);
    cases.push(rec);
    if (defect) defects.push(`${rec.id}: ${defect}`);
  }
  writeAtomic(join(ROOT, 'ops.json'), stringifyWithList({ generator: GENERATOR, cases }, 'cases'));

  const byOp = new Map();
  for (const c of cases) byOp.set(c.op, (byOp.get(c.op) ?? 0) + 1);
  console.log(`ops.json: ${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  by op: ${[...byOp].map(([op, n]) => `${op} ${n}`).join(', ')}`);
  console.log(`  gradient defects (${defects.length}):`);
  for (const d of defects) console.log(`    ${d}`);
}

async function generateTraining(tf) {
  for (const run of [...trainingRuns(), ...layerTrainingRuns()]) {
    const started = performance.now();
    const rec = await run(tf);
    writeAtomic(join(ROOT, 'training', `${rec.id}.json`), stringifyTopLevel(rec));
    const l = rec.stepLosses;
    console.log(
      `training/${rec.id}.json: ${l.length} steps, loss ${l[0]} -> ${l[l.length - 1]} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

const args = new Set(process.argv.slice(2));
const all = !args.has('--ops') && !args.has('--layers') && !args.has('--training');
const tf = await loadTf();
console.log('TF.js behaviours behind left-out cases and composite defects (see README.md):');
for (const [what, seen] of probeKnownIssues(tf)) console.log(`  ${what} -> ${seen}`);
if (all || args.has('--ops')) generateOps(tf);
if (all || args.has('--layers')) generateLayers(tf, ROOT);
if (all || args.has('--training')) await generateTraining(tf);
