import { join } from 'node:path';
import { stringifyWithList, writeAtomic } from './encode.mjs';
import { convCases } from './layers-conv.mjs';
import { miscCases } from './layers-misc.mjs';
import { probeLayerIssues } from './layers-probes.mjs';
import { recurrentCases } from './layers-recurrent.mjs';
import { buildLayerCase } from './layers-run.mjs';
import { GENERATOR } from './tf.mjs';

/** The layer case table, in file order. */
export function layerTable() {
  return [...convCases(), ...recurrentCases(), ...miscCases()];
}

/** Writes layers.json: every layer case TF.js can make (see README.md, "layers.json"). */
export function generateLayers(tf, root) {
  console.log('TF.js layer behaviours behind left-out layer cases (see README.md):');
  for (const [what, seen] of probeLayerIssues(tf)) console.log(`  ${what} -> ${seen}`);
  const started = performance.now();
  const cases = [];
  const defects = [];
  const ids = new Set();
  for (const spec of layerTable()) {
    const { rec, defect } = buildLayerCase(tf, spec);
    if (ids.has(rec.id)) throw new Error(`duplicate layer case id: ${rec.id}`);
    ids.add(rec.id);
    cases.push(rec);
    if (defect) defects.push(`${rec.id}: ${defect}`);
  }
  writeAtomic(join(root, 'layers.json'), stringifyWithList({ generator: GENERATOR, cases }, 'cases'));

  const byClass = new Map();
  for (const c of cases) {
    const name = c.layers.map((l) => l.className).join('>');
    byClass.set(name, (byClass.get(name) ?? 0) + 1);
  }
  console.log(`layers.json: ${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  by layer: ${[...byClass].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`  gradient defects (${defects.length}):`);
  for (const d of defects) console.log(`    ${d}`);
}
