#!/usr/bin/env node
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import '@nabla/backend-webgpu';
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '@nabla/core';
import { distMlpBench } from './dist-mlp.js';
import { fitScalingBench } from './fit-scaling.js';
import { DEFAULT_GPU_RUN, destroyGpuBackends, GPU_BACKENDS } from './gpu-backends.js';
import { gpuConvBench } from './gpu-conv.js';
import { GPU_MATMUL_SIZES, gpuMatmulBench } from './gpu-matmul.js';
import { GPU_MLP_BATCHES, gpuMlpBench } from './gpu-mlp.js';
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
 *     gru-step,transformer-step,dist-mlp] [--sizes 128,256,512,1024]
 *     [--backends cpu] [--out bench-results]
 * --sizes applies to matmul; the training workloads have fixed sizes.
 * Prints medians and ratios to each peer (the layer steps also PyTorch's); writes the results as JSON.
 *
 * The GPU workloads run only when named (scripts/bench-gpu.sh names them all):
 *   --workloads gpu-matmul,gpu-mlp,gpu-conv [--backends webgpu,onnx-webgpu,onnx,cpu]
 *     [--sizes 1024,2048,4096,8192] [--batches 64,256,1024,4096] [--samples 10000]
 * --sizes applies to gpu-matmul too, --batches and --samples to gpu-mlp. Their ratios are
 * nabla's webgpu backend against each of the others.
 */
function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : undefined;
}

function numbers(args: string[], name: string): number[] | undefined {
  const v = option(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map(Number);
  if (list.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`bench: ${name} takes positive integers, got '${v}'`);
  return list;
}

interface Options {
  sizes?: number[];
  batches?: number[];
  samples?: number;
}

/** Every workload, in the order they run; all but the GPU ones by default. */
const WORKLOADS: Record<string, (opts: Options, backends: string[]) => Promise<Result[]>> = {
  matmul: (opts, backends) => matmulBench(opts.sizes ?? [128, 256, 512, 1024], backends),
  'seed-linreg': (_, backends) => seedLinregBench(backends),
  'mlp-mnist': (_, backends) => mlpMnistBench(backends),
  'fit-scaling': (_, backends) => fitScalingBench(backends),
  'ort-overhead': () => ortOverheadBench(),
  'conv-step': (_, backends) => layerStepBench('conv-step', backends),
  'lstm-step': (_, backends) => layerStepBench('lstm-step', backends),
  'gru-step': (_, backends) => layerStepBench('gru-step', backends),
  'transformer-step': (_, backends) => layerStepBench('transformer-step', backends),
  'lstm-compile': (_, backends) => lstmCompileBench(backends),
  'dist-mlp': (_, backends) => distMlpBench(backends),
  'gpu-matmul': (opts, backends) => gpuMatmulBench(opts.sizes ?? GPU_MATMUL_SIZES, backends),
  'gpu-mlp': (opts, backends) => gpuMlpBench(opts.batches ?? GPU_MLP_BATCHES, backends, opts.samples),
  'gpu-conv': (_, backends) => gpuConvBench(backends),
};
const isGpu = (workload: string) => workload.startsWith('gpu-');

/** The workloads' names, in the order they run; the GPU ones (gpu-*) run only when named. */
export const BENCH_WORKLOADS: readonly string[] = Object.keys(WORKLOADS);

/**
 * The benchmark run, as `node apps/bench/dist/main.js ARGS` makes it (the options above); also
 * what `nabla bench` calls. Prints the tables and writes the JSON; throws on a bad option.
 */
export async function runBench(args: string[]): Promise<void> {
  const known = Object.keys(WORKLOADS);
  const workloads = (option(args, '--workloads') ?? known.filter((w) => !isGpu(w)).join(',')).split(',');
  const unknown = workloads.filter((w) => !Object.hasOwn(WORKLOADS, w));
  if (unknown.length) throw new Error(`bench: unknown workload(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const opts: Options = {
    sizes: numbers(args, '--sizes'),
    batches: numbers(args, '--batches'),
    samples: numbers(args, '--samples')?.[0],
  };
  const chosen = option(args, '--backends')?.split(',');
  // By default the CPU workloads keep to the CPU backends, and the GPU ones add the GPU backends.
  const cpuBackends = chosen ?? nb.listBackends().filter((b) => !GPU_BACKENDS.includes(b));
  const gpuBackends = chosen ?? DEFAULT_GPU_RUN;
  const outDir = option(args, '--out') ?? 'bench-results';
  const results: Result[] = [];
  try {
    for (const w of workloads) results.push(...(await WORKLOADS[w](opts, isGpu(w) ? gpuBackends : cpuBackends)));
  } finally {
    await destroyGpuBackends();
  }
  const cpuResults = results.filter((r) => !isGpu(r.workload));
  const gpuResults = results.filter((r) => isGpu(r.workload));
  if (cpuResults.length) {
    console.log(
      report(
        cpuResults,
        cpuBackends.flatMap((b) => [`nabla-${b}`, `nabla-${b} spe10`]),
      ),
    );
  }
  if (gpuResults.length) {
    if (cpuResults.length) console.log('');
    // The question the GPU workloads answer: how nabla's own kernels compare with each of the others.
    console.log(
      report(
        gpuResults,
        gpuResults.map((r) => r.impl).filter((impl) => impl.startsWith('nabla-webgpu')),
      ),
    );
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const doc = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, results };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc, null, 2));
  renameSync(`${file}.tmp`, file);
  console.log(`\nwrote ${file}`);
}

/** Run as a program (not imported by the nabla command). */
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runBench(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
