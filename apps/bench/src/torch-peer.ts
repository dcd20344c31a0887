import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Result } from './harness.js';

const run = promisify(execFile);

/** PyTorch's threads, as the issue measures it. */
export const TORCH_THREADS = 2;
export const NOT_INSTALLED = 'PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread)';

/**
 * Debian's python3-torch lives in /usr/bin/python3; a `python3` earlier on PATH (pyenv, a venv)
 * is often another interpreter without it, so that one is tried second.
 */
const INTERPRETERS = ['/usr/bin/python3', 'python3'];

/** peer.py stays in src/ (tsc copies no Python): from dist/ and src/ alike, ../src/torch. */
const SCRIPT = fileURLToPath(new URL('../src/torch/peer.py', import.meta.url));

let found: Promise<string | null> | undefined;

/** The first interpreter that imports torch, or null; asked once per process. */
export function torchPython(): Promise<string | null> {
  found ??= (async () => {
    for (const python of INTERPRETERS) {
      try {
        await run(python, ['-c', 'import torch'], { timeout: 60_000 });
        return python;
      } catch {
        // Missing interpreter or no torch in it: try the next.
      }
    }
    return null;
  })();
  return found;
}

/** What peer.py prints. */
interface TorchTiming {
  medianMs: number;
  steps: number;
  threads: number;
  torch: string;
}

/**
 * OpenMP's thread wait policies. With the default (active: a thread spins at each barrier), a
 * machine whose cores are busy with other work made PyTorch's 2-thread LSTM step 96-160 ms
 * instead of 4-8 ms with passive waiting (load average 6 on 2 cores). Both are run and the faster
 * counts, so that the peer is never shown worse than it can be.
 */
const WAIT_POLICIES = ['ACTIVE', 'PASSIVE'];

/**
 * One layer workload's train step in PyTorch (torch/peer.py, a child process, 2 threads): the
 * median ms per step as a Result, or a row saying why there is no figure.
 */
export async function torchStep(workload: string, size: string, sizes: Record<string, number>, budgetMs: number): Promise<Result> {
  const row = { workload, size, impl: 'pytorch', unit: 'ms/step', higherIsBetter: false };
  const none = (note: string): Result => ({ ...row, medianMs: Number.NaN, runs: 0, value: Number.NaN, note });
  const python = await torchPython();
  if (python === null) return none(NOT_INSTALLED);
  const args = [SCRIPT, workload, '--sizes', JSON.stringify(sizes), '--threads', String(TORCH_THREADS), '--budget-ms', String(budgetMs)];
  try {
    const timings: TorchTiming[] = [];
    for (const policy of WAIT_POLICIES) {
      const env = { ...process.env, OMP_WAIT_POLICY: policy };
      const { stdout } = await run(python, args, { env, timeout: 10 * 60_000 });
      timings.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as TorchTiming);
    }
    const t = timings.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
    const each = timings.map((x, i) => `${WAIT_POLICIES[i].toLowerCase()} ${x.medianMs.toFixed(2)} ms`).join(', ');
    console.log(`${workload}: PyTorch ${t.torch}, ${t.threads} threads, OpenMP waiting ${each} (medians): the faster counts`);
    return { ...row, medianMs: t.medianMs, runs: t.steps, value: t.medianMs };
  } catch (e) {
    // A failing peer is reported in its row rather than ending the whole run.
    const err = e as { stderr?: string; message?: string };
    const last = (err.stderr ?? err.message ?? String(e)).trim().split('\n').at(-1);
    return none(`PyTorch failed: ${last}`);
  }
}
