import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PyTorch's threads, as the issue measures it. */
export const TORCH_THREADS = 2;
export const NOT_INSTALLED = 'PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread)';

/**
 * Debian's python3-torch lives in /usr/bin/python3; a `python3` earlier on PATH (pyenv, a venv)
 * is often another interpreter without it, so that one is tried second. NABLA_BENCH_PYTHON names
 * the only one to try (a venv's torch).
 */
const INTERPRETERS = process.env.NABLA_BENCH_PYTHON ? [process.env.NABLA_BENCH_PYTHON] : ['/usr/bin/python3', 'python3'];

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

/**
 * OpenMP's thread wait policies. With the default (active: a thread spins at each barrier), a
 * machine whose cores are busy with other work made PyTorch's 2-thread LSTM step 96-160 ms
 * instead of 4-8 ms with passive waiting (load average 6 on 2 cores). The bench runs both and
 * counts the faster, so that the peer is never shown worse than it can be.
 */
export const WAIT_POLICIES = ['active', 'passive'] as const;
export type WaitPolicy = (typeof WAIT_POLICIES)[number];

/** A PyTorch process holding one workload's model, warmed up, taking steps on request. */
export interface TorchSession {
  /** PyTorch's version and threads, as it reports them. */
  torch: string;
  threads: number;
  /** Runs `steps` more train steps; resolves when they are done. */
  steps(steps: number): Promise<void>;
  close(): void;
}

/**
 * Starts torch/peer.py --serve for a workload (model, data, Adam, 3 warm-up steps) and resolves
 * once it is ready, so that its steps can be timed in turns with nabla's. A process that fails is
 * an Error carrying the last line it wrote to stderr.
 */
export async function startTorch(
  python: string,
  workload: string,
  sizes: Record<string, number>,
  policy: WaitPolicy,
): Promise<TorchSession> {
  const args = [SCRIPT, workload, '--sizes', JSON.stringify(sizes), '--threads', String(TORCH_THREADS), '--serve'];
  const child = spawn(python, args, { env: { ...process.env, OMP_WAIT_POLICY: policy.toUpperCase() } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const closed = once(child, 'close');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) {
      await closed;
      throw new Error(`PyTorch failed: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`);
    }
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const ready = await next();
  return {
    torch: String(ready.torch),
    threads: Number(ready.threads),
    async steps(n: number) {
      child.stdin.write(`${n}\n`);
      await next();
    },
    close: () => child.stdin.end(),
  };
}
