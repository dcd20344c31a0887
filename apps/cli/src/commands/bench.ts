import { UsageError } from '../args.js';
import { touchBackend } from '../backends.js';

export interface BenchOptions {
  backend?: string[];
  workload?: string[];
  sizes?: string;
  out?: string;
}

/**
 * `nabla bench`: apps/bench's harness (nabla's backends beside TensorFlow.js and, where it is
 * installed, PyTorch: medians and ratios), in this process. Imported only here: it loads
 * TensorFlow.js.
 */
export async function bench(opts: BenchOptions): Promise<number> {
  const { BENCH_WORKLOADS, runBench } = await import('@nabla/bench');
  const unknown = opts.workload?.filter((w) => !BENCH_WORKLOADS.includes(w)) ?? [];
  if (unknown.length)
    throw new UsageError(
      `bench: unknown workload ${unknown.map((w) => `'${w}'`).join(', ')}. The workloads: ${BENCH_WORKLOADS.join(', ')}.`,
    );
  for (const b of opts.backend ?? []) touchBackend(b);
  const args = [
    ...(opts.workload ? ['--workloads', opts.workload.join(',')] : []),
    ...(opts.backend ? ['--backends', opts.backend.join(',')] : []),
    ...(opts.sizes ? ['--sizes', opts.sizes] : []),
    ...(opts.out ? ['--out', opts.out] : []),
  ];
  await runBench(args);
  return 0;
}
