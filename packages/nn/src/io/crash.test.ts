import '@nabla/backend-cpu';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alias } from '../../../../vitest.shared.js';
import { loadModel } from '../index.js';

/**
 * SIGKILLs child processes in the middle of saving, at random moments, and after every kill loads
 * the whole model: it must be one of the versions saved (never a mix, never missing), and the
 * folder must hold only the model (the leftovers of the killed save removed by the load).
 */

const KILLS = 120;
const PARALLEL = 2;

let child = '';
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  // The child runs the package's TypeScript sources, bundled for Node (vite is the test runner's own bundler).
  const { build } = await import('vite');
  const out = mkdtempSync(join(tmpdir(), 'nabla-crash-child-'));
  made.push(out);
  await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { alias },
    ssr: { noExternal: true },
    build: {
      ssr: fileURLToPath(new URL('../test-utils/save-loop.ts', import.meta.url)),
      outDir: out,
      emptyOutDir: true,
      minify: false,
      // The backends register themselves on import: keep modules imported for their effects.
      rollupOptions: { treeshake: false, output: { format: 'es', entryFileNames: 'save-loop.mjs' } },
    },
  });
  child = join(out, 'save-loop.mjs');
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cycle {
  version: number;
  /** Files in the folder besides the model's own two when the child was killed (its save was cut short). */
  leftovers: number;
}

/** A saver process, started and idle: it has printed "ready" and waits for its folder. */
interface Saver {
  proc: ChildProcess;
  /** The highest version it reported saved; updated as it prints. */
  seen: number;
  firstSave: Promise<void>;
  exited: Promise<NodeJS.Signals | null>;
  stderr: string;
}

/** Starts a saver ahead of its turn, so that its start-up overlaps the previous cycle. */
function startSaver(): Promise<Saver> {
  const proc = spawn(process.execPath, [child], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  let ready!: () => void;
  let saved!: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  const saver: Saver = { proc, seen: 0, firstSave: new Promise<void>((r) => (saved = r)), exited, stderr: '' };
  let partial = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') ready();
      else if (line) {
        saver.seen = Math.max(saver.seen, Number(line));
        saved();
      }
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    saver.stderr += chunk.toString();
  });
  // A saver that died early is reported by the exit checks, not by a write to its closed stdin.
  proc.stdin?.on('error', () => {});
  return Promise.race([
    isReady.then(() => saver),
    exited.then(() => Promise.reject(new Error(`the saver exited before it was ready: ${saver.stderr}`))),
  ]);
}

/** Sets a saver saving, waits for its first whole save, kills it a random moment later, and checks the folder. */
async function cycle(saver: Saver, dir: string, lastVersion: number): Promise<Cycle> {
  saver.proc.stdin?.write(`${JSON.stringify({ dir, last: lastVersion })}\n`);
  await Promise.race([saver.firstSave, saver.exited]);
  await sleep(Math.random() * 25);
  saver.proc.kill('SIGKILL');
  // Waiting for the exit also reaps the process, so that the load sees its files as abandoned.
  if ((await saver.exited) !== 'SIGKILL') throw new Error(`the saver exited by itself before the kill: ${saver.stderr}`);
  const seen = saver.seen;

  const files = readdirSync(dir);
  const leftovers = files.length - 2;
  const model = await loadModel(dir);
  const values = await Promise.all(model.getWeights().map((w) => w.data()));
  model.dispose();
  const version = values[0][0];
  // One version, whole: every element of every weight is the same v, and not older than a save that returned.
  for (const v of values) expect(v.every((x) => x === version)).toBe(true);
  expect(version).toBeGreaterThanOrEqual(seen);
  expect(Number.isInteger(version) && version > 0).toBe(true);
  // No stray copies: the load removed what the killed save left, and nothing was written beside the folder.
  const after = readdirSync(dir).sort();
  expect(after).toHaveLength(2);
  expect(after[0]).toBe('model.json');
  expect(after[1]).toMatch(/^weights-\d+-[0-9a-z]+-[0-9a-z]+\.bin$/);
  expect(readdirSync(dirname(dir))).toEqual([basename(dir)]);
  return { version, leftovers };
}

describe('a save killed at a random moment', () => {
  test(`leaves a whole model, one of the versions saved (${KILLS} SIGKILLs)`, async () => {
    const parents = Array.from({ length: PARALLEL }, () => mkdtempSync(join(tmpdir(), 'nabla-crash-')));
    made.push(...parents);
    const lanes = parents.map((p) => join(p, 'model'));
    const results: Cycle[] = [];
    await Promise.all(
      lanes.map(async (dir) => {
        let version = 0;
        let next = startSaver();
        try {
          for (let i = 0; i < KILLS / PARALLEL; i++) {
            const saver = await next;
            next = startSaver();
            const r = await cycle(saver, dir, version);
            version = r.version;
            results.push(r);
          }
        } finally {
          // The spare saver never started saving: stop it.
          await next
            .then((s) => {
              s.proc.kill('SIGKILL');
              return s.exited;
            })
            .catch(() => {});
        }
      }),
    );
    expect(results).toHaveLength(KILLS);
    // The kills landed inside saves: some of them cut a save short and left its files behind.
    expect(results.filter((r) => r.leftovers > 0).length).toBeGreaterThan(0);
  }, 120_000);
});
