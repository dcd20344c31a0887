#!/usr/bin/env node
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { fitScalingBench } from './fit-scaling.js';
import { type Result, report } from './harness.js';
import { layerStepBench } from './layer-steps.js';
import { lstmCompileBench } from './lstm-compile.js';
import { matmulBench } from './matmul.js';
import { mlpMnistBench } from './mlp-mnist.js';
import { ortOverheadBench } from './ort-overhead.js';
import { seedLinregBench } from './seed-linreg.js';

/**
 * nabla's benchmarks beside TensorFlow.js, in one run:
 *   node apps/bench/dist/main.js [--workloads matmul,seed-linreg,mlp-mnist,fit-scaling,ort-overhead,conv-step,lstm-step,lstm-compile,
 *     gru-step,transformer-step] [--sizes 128,256,512,1024]
 *     [--backends cpu] [--out bench-results]
 * --sizes applies to matmul; the training workloads have fixed sizes.
 * Prints medians and ratios to each peer (the layer steps also PyTorch's); writes the results as JSON.
 */
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Every workload, in the order they run; all of them by default. */
const WORKLOADS: Record<string, (sizes: number[], backends: string[]) => Promise<Result[]>> = {
  matmul: matmulBench,
  'seed-linreg': (_, backends) => seedLinregBench(backends),
  'mlp-mnist': (_, backends) => mlpMnistBench(backends),
  'fit-scaling': (_, backends) => fitScalingBench(backends),
  'ort-overhead': () => ortOverheadBench(),
  'conv-step': (_, backends) => layerStepBench('conv-step', backends),
  'lstm-step': (_, backends) => layerStepBench('lstm-step', backends),
  'gru-step': (_, backends) => layerStepBench('gru-step', backends),
  'transformer-step': (_, backends) => layerStepBench('transformer-step', backends),
  'lstm-compile': (_, backends) => lstmCompileBench(backends),
};

async function main(): Promise<void> {
  const workloads = option('--workloads', Object.keys(WORKLOADS).join(',')).split(',');
  const unknown = workloads.filter((w) => !Object.hasOwn(WORKLOADS, w));
  if (unknown.length) throw new Error(`bench: unknown workload(s) ${unknown.join(', ')}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  const sizes = option('--sizes', '128,256,512,1024').split(',').map(Number);
  const backends = option('--backends', nb.listBackends().join(',')).split(',');
  const outDir = option('--out', 'bench-results');
  const results: Result[] = [];
  for (const w of workloads) results.push(...(await WORKLOADS[w](sizes, backends)));
  console.log(
    report(
      results,
      backends.flatMap((b) => [`nabla-${b}`, `nabla-${b} spe10`]),
    ),
  );
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const doc = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, results };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc, null, 2));
  renameSync(`${file}.tmp`, file);
  console.log(`\nwrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
