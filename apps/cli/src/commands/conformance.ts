import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BackendNote,
  buildCases,
  buildCrossCases,
  type Fixtures,
  loadFixtures,
  pairsOf,
  type Report,
  runConformance,
  runCrossConformance,
  toMarkdown,
  toText,
} from '@nabla/conformance';
import * as nb from '@nabla/core';
import { UsageError } from '../args.js';
import { touchBackend } from '../backends.js';
import type { Io } from '../io.js';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** The groups of the suite's cases (forward, gradient, ..., cross-training), in report order. */
export function conformanceGroups(fixtures: Fixtures): { single: string[]; cross: string[] } {
  const single = [...new Set(buildCases(fixtures).map((c) => c.group))];
  // The pair's names only label the cases: any two names give the same groups.
  const cross = [...new Set(buildCrossCases('a', 'b', fixtures).map((c) => c.group))];
  return { single, cross };
}

export interface ConformanceOptions {
  backends: string[];
  groups?: string[];
  out?: string;
}

/**
 * `nabla conformance --backend cpu[,other] [--group G,...] [--out DIR]`: runs the suite on each
 * backend (and, with two or more, every op case's values and gradient and every training run
 * across each pair), prints the summary and every failure, and writes DIR/conformance.md (the
 * matrix) and DIR/conformance.json. --group keeps the cases of those groups.
 */
export async function conformance(opts: ConformanceOptions, io: Io): Promise<number> {
  const { backends, groups, out: outDir } = opts;
  for (const b of backends) touchBackend(b);
  const fixtures = await loadFixtures();
  const known = conformanceGroups(fixtures);
  const all = [...known.single, ...known.cross];
  const unknown = groups?.filter((g) => !all.includes(g)) ?? [];
  if (unknown.length)
    throw new UsageError(`conformance: unknown group ${unknown.map((g) => `'${g}'`).join(', ')}. The groups: ${all.join(', ')}.`);
  if (groups && backends.length < 2 && groups.every((g) => known.cross.includes(g)))
    throw new UsageError(`conformance: the groups ${groups.join(', ')} compare backends: name two or more (--backend cpu,onnx)`);
  const chosen = groups ? new Set(groups) : undefined;
  const singleFilter = chosen ? idsOf(buildCases(fixtures), chosen) : undefined;
  const reports: Report[] = [];
  if (!chosen || known.single.some((g) => chosen.has(g))) {
    for (const b of backends) {
      const t0 = performance.now();
      const report = await runConformance(b, fixtures, singleFilter ? { filter: (id) => singleFilter.has(id) } : {});
      reports.push(report);
      io.out(`${b}: ${report.results.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  // Every pair: op values and gradients (recorded and hand-written cases), and training runs.
  if (!chosen || known.cross.some((g) => chosen.has(g))) {
    const crossFilter = chosen
      ? new Set(pairsOf(backends).flatMap(([a, b]) => [...idsOf(buildCrossCases(a, b, fixtures), chosen)]))
      : undefined;
    const t0 = performance.now();
    const cross = await runCrossConformance(backends, fixtures, crossFilter ? { filter: (id) => crossFilter.has(id) } : {});
    reports.push(...cross);
    if (cross.length > 0)
      io.out(`${cross.length} pairs: ${cross[0].results.length} cases each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  io.out(toText(reports));
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    const command = `nabla conformance --backend ${backends.join(',')}${groups ? ` --group ${groups.join(',')}` : ''} --out ${outDir}`;
    writeAtomic(join(outDir, 'conformance.md'), toMarkdown(reports, command, backendNotes(backends)));
    writeAtomic(join(outDir, 'conformance.json'), `${JSON.stringify({ command, reports }, null, 1)}\n`);
    io.out(`wrote ${join(outDir, 'conformance.md')} and conformance.json`);
  }
  return reports.some((r) => r.summary.fail > 0) ? 1 : 0;
}

/** The ids of the cases in `groups`. */
function idsOf(cases: { id: string; group: string }[], groups: Set<string>): Set<string> {
  return new Set(cases.filter((c) => groups.has(c.group)).map((c) => c.id));
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
