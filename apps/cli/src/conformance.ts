import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendNote, loadFixtures, type Report, runConformance, runCrossConformance, toMarkdown, toText } from '@nabla/conformance';
import * as nb from '@nabla/core';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * `nabla conformance --backend cpu[,other] [--out DIR]`: runs the suite on each backend (and,
 * with two or more, every op case's values and gradient and every training run across each
 * pair), prints the summary and every failure, and writes DIR/conformance.md (the matrix) and
 * DIR/conformance.json.
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
  // Every pair: op values and gradients (recorded and hand-written cases), and training runs.
  const t0 = performance.now();
  const cross = await runCrossConformance(backends, fixtures);
  reports.push(...cross);
  if (cross.length > 0)
    console.log(`${cross.length} pairs: ${cross[0].results.length} cases each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(toText(reports));
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    const command = `nabla conformance --backend ${backends.join(',')} --out ${outDir}`;
    writeAtomic(join(outDir, 'conformance.md'), toMarkdown(reports, command, backendNotes(backends)));
    writeAtomic(join(outDir, 'conformance.json'), `${JSON.stringify({ command, reports }, null, 1)}\n`);
    console.log(`wrote ${join(outDir, 'conformance.md')} and conformance.json`);
  }
  return reports.some((r) => r.summary.fail > 0) ? 1 : 0;
}

/** What a backend ran elsewhere: onnx-webgpu's graphs that ran whole on onnxruntime's CPU provider, by missing op. */
interface CpuFallback {
  op: string;
  nablaOps: string[];
  graphs: number;
}

function backendNotes(backends: string[]): BackendNote[] {
  const notes: BackendNote[] = [];
  for (const backend of backends) {
    const fallbacks = (nb.getBackendInstance(backend) as { cpuFallbacks?: () => CpuFallback[] }).cpuFallbacks?.();
    if (!fallbacks?.length) continue;
    notes.push({
      backend,
      title: "graphs that ran whole on onnxruntime's CPU provider",
      lines: [
        "Its WebGPU execution provider has no kernel for these ONNX ops (operand and result types in parentheses); a graph that needs one runs whole on the CPU provider, with a warning. The counts are this run's graphs, cross-backend cases included.",
        '',
        '| ONNX op | nabla ops | graphs |',
        '| --- | --- | --- |',
        ...fallbacks
          .sort((a, b) => b.graphs - a.graphs)
          .map((f) => `| ${f.op.replace(/\|/g, '\\|')} | ${f.nablaOps.join(', ')} | ${f.graphs} |`),
      ],
    });
  }
  return notes;
}
