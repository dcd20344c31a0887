import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readLaunchEnv } from './env.js';
import { findPython, pythonPath } from './python.js';

/**
 * The launcher and the channel for real: Python ranks in a gloo group on this machine's CPUs,
 * each running the MNIST MLP's training script (test-utils/train-mnist.mjs, from the built
 * packages: turbo builds this package before its tests; alone, `pnpm build` first). Skipped only
 * where no Python imports torch (scripts/test.sh installs Debian's python3-torch, so CI runs it).
 */

const pkg = join(import.meta.dirname, '..');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const script = join(pkg, 'src', 'test-utils', 'train-mnist.mjs');
const { python, reason } = findPython();
if (!python) console.warn(`@nabla/distributed: the launcher tests are skipped: ${reason}`);

const work = mkdtempSync(join(tmpdir(), 'nabla-dist-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * torchrun on one machine, restarting a failed job once, watching its ranks every second.
 * `--redirects 9:1 --tee 9:1` gets Debian 12's torchrun (torch 1.13 on Python 3.11) past its
 * start-up failure: without them it maps 'no redirection' to None (Python 3.11 no longer lists an
 * IntFlag's zero member) and fails; a mapping for a local rank that does not exist redirects nothing.
 */
const TORCHRUN = ['--standalone', '--max_restarts', '1', '--monitor_interval', '1', '--redirects', '9:1', '--tee', '9:1'];

interface Run {
  code: number | null;
  output: string;
  /** The launcher's pid: its job's shared-memory files are named after it. */
  pid: number;
  ended: number;
}

/** Runs the script: under the launcher with `nproc` ranks, or (nproc 0) as one plain Node process. */
function run(
  nproc: number,
  env: Record<string, string>,
  opts: { onLine?: (line: string) => void; launcher?: string[]; torchrun?: boolean } = {},
): Promise<Run> {
  const command =
    nproc === 0
      ? [process.execPath, script]
      : opts.torchrun
        ? [python!, '-m', 'torch.distributed.run', ...TORCHRUN, '--nproc_per_node', String(nproc), '-m', 'nabla_dist', script]
        : [python!, '-m', 'nabla_dist', '--nproc', String(nproc), ...(opts.launcher ?? []), '--node', process.execPath, script];
  const child = spawn(command[0], command.slice(1), {
    env: {
      ...process.env,
      PYTHONPATH: [pythonPath, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      NABLA_BACKEND: 'cpu',
      NABLA_NODE: process.execPath,
      ...(nproc === 0 ? { NABLA_TEST_SINGLE: '1' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const take = (chunk: Buffer) => {
    output += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) opts.onLine?.(line);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output, pid: child.pid!, ended: performance.now() })));
}

function folder(name: string): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  return mkdtempSync(`${dir}-`);
}

function result(dir: string, rank: number) {
  const { losses, backend } = JSON.parse(readFileSync(join(dir, `rank${rank}.json`), 'utf8')) as { losses: number[]; backend: string };
  const bytes = readFileSync(join(dir, `rank${rank}.bin`));
  return { losses, backend, bytes, weights: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
}

/** The job's files in /dev/shm: none may outlive it. */
const leftovers = (launcherPid: number) =>
  existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((f) => f.startsWith(`nabla-dist-${launcherPid}-`)) : [];

describe('fromEnv outside the launcher', () => {
  test('fails, saying how to start the script', () => {
    expect(() => readLaunchEnv({})).toThrow(/not started by nabla's launcher .*npx nabla-dist --nproc 2 train\.mjs.*torchrun/);
    expect(() => readLaunchEnv({ NABLA_DIST_RANK: '0' })).toThrow(/NABLA_DIST_WORLD_SIZE, .* unset \(the others are set\)/);
    const env = {
      NABLA_DIST_RANK: '2',
      NABLA_DIST_WORLD_SIZE: '2',
      NABLA_DIST_LOCAL_RANK: '0',
      NABLA_DIST_LOCAL_WORLD_SIZE: '2',
      NABLA_DIST_SHM: '/dev/shm/x',
      NABLA_DIST_FDS: '3,4',
    };
    expect(() => readLaunchEnv(env)).toThrow('NABLA_DIST_RANK 2 is not below NABLA_DIST_WORLD_SIZE 2');
    expect(() => readLaunchEnv({ ...env, NABLA_DIST_RANK: '1', NABLA_DIST_FDS: '3' })).toThrow("NABLA_DIST_FDS is '3'");
    expect(readLaunchEnv({ ...env, NABLA_DIST_RANK: '1' })).toMatchObject({
      rank: 1,
      worldSize: 2,
      requestFd: 3,
      answerFd: 4,
      backend: 'gloo',
    });
  });
});

describe.skipIf(!python)('two gloo ranks train the MNIST MLP', () => {
  test('as one process does on the same global batches: 300 steps within 1e-5, ranks identical, one rank bit for bit', async () => {
    const [singleDir, oneDir, twoDir] = [folder('single'), folder('one'), folder('two')];
    const runs = await Promise.all([
      run(0, { NABLA_TEST_OUT: singleDir }),
      run(1, { NABLA_TEST_OUT: oneDir }),
      run(2, { NABLA_TEST_OUT: twoDir }),
    ]);
    for (const r of runs) expect(r.code, r.output).toBe(0);
    for (const r of runs.slice(1)) expect(leftovers(r.pid)).toEqual([]);
    const single = result(singleDir, 0);
    expect(single.losses).toHaveLength(300);
    expect(single.losses[299]).toBeLessThan(single.losses[0] / 4); // it learns

    // One rank: every reduce adds nothing, so the run is the single process's, bit for bit.
    const one = result(oneDir, 0);
    expect(one.losses).toEqual(single.losses);
    expect(one.bytes.equals(single.bytes)).toBe(true);

    // Two ranks: every rank logs the reduced values and applies the same update, so the ranks
    // agree bit for bit; against one process, each gradient is the sum of two shards' halves in
    // float32, another order than one batch's, so the runs part by rounding: 7e-8 relative in
    // the loss and 3e-7 in the weights after 300 Adam steps here.
    const [r0, r1] = [result(twoDir, 0), result(twoDir, 1)];
    expect(r1.losses).toEqual(r0.losses);
    expect(r1.bytes.equals(r0.bytes)).toBe(true);
    expect(r0.losses).toHaveLength(300);
    for (const [i, loss] of r0.losses.entries()) {
      if (Math.abs(loss - single.losses[i]) > 1e-5 * Math.max(1, Math.abs(single.losses[i])))
        expect.fail(`step ${i + 1}: loss ${loss} on two ranks, ${single.losses[i]} in one process`);
    }
    let worst = 0;
    for (let i = 0; i < r0.weights.length; i++) worst = Math.max(worst, Math.abs(r0.weights[i] - single.weights[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  test("every backend as a rank's: 2 ranks on cpu, onnx, onnx-wasm and webgpu train as one cpu process (20 steps within 1e-5)", async () => {
    const short = { NABLA_TEST_SAMPLES: '640', NABLA_TEST_EPOCHS: '2' };
    const singleDir = folder('single-short');
    const single = await run(0, { ...short, NABLA_TEST_OUT: singleDir });
    expect(single.code, single.output).toBe(0);
    const reference = result(singleDir, 0).losses;
    expect(reference).toHaveLength(20);
    const backends = ['cpu', 'onnx', 'onnx-wasm', 'webgpu'];
    const dirs = backends.map((b) => folder(`ranks-${b}`));
    // webgpu's ranks run Dawn on this machine's Vulkan driver: SwiftShader's, without a GPU.
    const vulkan: Record<string, string> =
      !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER) ? { VK_ICD_FILENAMES: SWIFTSHADER } : {};
    const runs = await Promise.all(backends.map((b, i) => run(2, { ...short, ...vulkan, NABLA_BACKEND: b, NABLA_TEST_OUT: dirs[i] })));
    for (const [i, r] of runs.entries()) {
      expect(r.code, `${backends[i]}: ${r.output}`).toBe(0);
      const [r0, r1] = [result(dirs[i], 0), result(dirs[i], 1)];
      expect([r0.backend, r1.backend]).toEqual([backends[i], backends[i]]);
      const losses = r0.losses;
      expect(r1.losses).toEqual(losses);
      expect(losses).toHaveLength(20);
      for (const [step, loss] of losses.entries()) {
        if (Math.abs(loss - reference[step]) > 1e-5 * Math.max(1, Math.abs(reference[step])))
          expect.fail(`${backends[i]}, step ${step + 1}: loss ${loss} on two ranks, ${reference[step]} in one cpu process`);
      }
    }
  });

  test("torchrun (Debian's, past its argument bug) restarts a failed job, which resumes from rank 0's last checkpoint", async () => {
    const out = folder('torchrun');
    const checkpoints = folder('checkpoints');
    const singleDir = folder('single-uninterrupted');
    const short = { NABLA_TEST_SAMPLES: '640', NABLA_TEST_EPOCHS: '4' };
    // 640 digits: 10 steps an epoch. Rank 1 dies in epoch 3 of the first attempt; the second
    // attempt starts after epoch 2, the last checkpoint, and trains epochs 3 and 4. Meanwhile one
    // process trains the 4 epochs without a stop.
    const [r, single] = await Promise.all([
      run(2, { ...short, NABLA_TEST_OUT: out, NABLA_TEST_CHECKPOINT: checkpoints, NABLA_TEST_DIE_AT: '25' }, { torchrun: true }),
      run(0, { ...short, NABLA_TEST_OUT: singleDir }),
    ]);
    expect(r.code, r.output).toBe(0);
    expect(single.code, single.output).toBe(0);
    expect(r.output).toMatch(/because rank 1 ended: its script \(pid \d+\) was killed by SIGKILL/);
    for (const rank of [0, 1]) {
      expect(r.output).toContain(`rank ${rank}: attempt 0, starting after epoch 0 at optimizer step 0`);
      // Every rank loaded the checkpoint, Adam's state with it: 2 epochs of 10 steps.
      expect(r.output).toContain(`rank ${rank}: attempt 1, starting after epoch 2 at optimizer step 20`);
    }
    const [r0, r1] = [result(out, 0), result(out, 1)];
    expect(r0.losses).toHaveLength(20);
    expect(r1.bytes.equals(r0.bytes)).toBe(true);
    // It went on from the checkpoint's weights, not from the start (2.33 at the first step).
    expect(r0.losses[0]).toBeLessThan(1.5);
    // And from its optimizer state: epochs 3 and 4 of the uninterrupted run, within the two-rank
    // rounding of the test above (measured: 6e-8 relative; with fresh Adam moments, 3.4e-2).
    const reference = result(singleDir, 0).losses.slice(20);
    for (const [i, loss] of r0.losses.entries()) {
      if (Math.abs(loss - reference[i]) > 1e-5 * Math.max(1, Math.abs(reference[i])))
        expect.fail(`step ${21 + i}: loss ${loss} after the restart, ${reference[i]} in one uninterrupted process`);
    }
  });

  test('a killed rank fails the job on the other rank within 10 s, naming it', async () => {
    let killedAt = 0;
    let killed = 0;
    const r = await run(
      2,
      { NABLA_TEST_EPOCHS: '1000', NABLA_TEST_SIGNAL_AT: '20' },
      {
        onLine: (line) => {
          const m = /^PID (\d+) AT 20$/.exec(line);
          if (!m) return;
          killed = Number(m[1]);
          killedAt = performance.now();
          process.kill(killed, 'SIGKILL');
        },
      },
    );
    expect(killed, r.output).toBeGreaterThan(0);
    expect(r.ended - killedAt, r.output).toBeLessThan(10_000);
    // The first failure's code, 128 + SIGKILL, even when rank 0 (failing because of it) ends first.
    expect(r.code, r.output).toBe(137);
    expect(r.output).toContain('nabla_dist: the job failed: rank 1 first, which exited with code 137 (128 + SIGKILL)');
    // Rank 0's fit rejected with the collective's error, which says which rank ended and how.
    expect(r.output).toMatch(
      new RegExp(
        `NablaError: distributed allReduceSum: rank 0 of 2: torch.distributed's all_reduce failed .*because rank 1 ended: its script \\(pid ${killed}\\) was killed by SIGKILL`,
      ),
    );
    expect(leftovers(r.pid)).toEqual([]);
  });

  test("a rank whose fit fails on its own aborts the others' collectives, with its reason", async () => {
    const r = await run(2, { NABLA_TEST_EPOCHS: '1000', NABLA_TEST_THROW_AT: '10' });
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('nabla_dist: the job failed: rank 1 first, which exited with code 1');
    expect(r.output).toMatch(
      /rank 0 of 2: torch.distributed's all_reduce failed .*because rank 1 gave up: Error: the test's callback fails at step 10/,
    );
  });

  test('a rank that hangs fails the others after --timeout, and the launcher stops it after --grace', async () => {
    const start = performance.now();
    let stoppedAt = 0;
    const r = await run(
      2,
      { NABLA_TEST_EPOCHS: '1000', NABLA_TEST_SIGNAL_AT: '20' },
      {
        launcher: ['--timeout', '5', '--grace', '1'],
        onLine: (line) => {
          const m = /^PID (\d+) AT 20$/.exec(line);
          if (!m) return;
          stoppedAt = performance.now();
          process.kill(Number(m[1]), 'SIGSTOP');
        },
      },
    );
    expect(stoppedAt, r.output).toBeGreaterThan(start);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/rank 0 of 2: torch.distributed's all_reduce failed after [56]\.\d s.*Timed out/);
    expect(r.output).toMatch(/rank\(s\) 1 still running 1 s after a rank failed: stopping them/);
    // The hung rank could not say when it failed (it was stopped): the launcher names it as the cause.
    expect(r.output).toMatch(/the job failed: rank 1 first, which exited with code 143 \(128 \+ SIGTERM\)/);
    // 5 s of timeout, 1 s of grace, then SIGTERM, and SIGKILL for what is left (a stopped process
    // ignores SIGTERM): about 6 s here; the bound leaves room for a loaded machine.
    expect(r.ended - stoppedAt).toBeLessThan(20_000);
  });
});
