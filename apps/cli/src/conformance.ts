import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allSpecCases, compareBackends, loadFixtures, type Report, runConformance, toMarkdown, toText } from '@nabla/conformance';
import * as nb from '@nabla/core';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * `nabla conformance --backend cpu[,other] [--out DIR]`: runs the suite on each backend (and,
 * with two or more, every case across each pair), prints the summary and every failure, and
 * writes DIR/conformance.md (the matrix) and DIR/conformance.json.
 */
export async function conformance(backends: string[], outDir: string | undefined): Promise<number> {
  for (const b of backends) nb.getBackendInstance(b); // an unknown name fails here, listing the known ones
  const fixtures = await loadFixtures();
  const reports: Report[] = [];
  for (const b of backends) {
    const t0 = performance.now();
    const report = await runConformance(b, fixtures);
    reports.push(report);
    console.log(`${b}: ${report.results.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Recorded op cases and the hand-written ones of defined semantics (NaN, integers, empty tensors).
  const crossCases = [...fixtures.ops, ...allSpecCases()];
  for (let i = 0; i < backends.length; i++) {
    for (let j = i + 1; j < backends.length; j++) {
      const results = await compareBackends(backends[i], backends[j], crossCases);
      const count = (s: string) => results.filter((r) => r.status === s).length;
      reports.push({
        backend: `${backends[i]} vs ${backends[j]}`,
        results,
        summary: { pass: count('pass'), fail: count('fail'), skip: count('skip'), total: results.length },
      });
    }
  }
  console.log(toText(reports));
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    const command = `nabla conformance --backend ${backends.join(',')} --out ${outDir}`;
    writeAtomic(join(outDir, 'conformance.md'), toMarkdown(reports, command));
    writeAtomic(join(outDir, 'conformance.json'), `${JSON.stringify({ command, reports }, null, 1)}\n`);
    console.log(`wrote ${join(outDir, 'conformance.md')} and conformance.json`);
  }
  return reports.some((r) => r.summary.fail > 0) ? 1 : 0;
}
