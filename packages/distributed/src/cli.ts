#!/usr/bin/env node
/**
 * nabla-dist: runs the launcher, `python3 -m nabla_dist`, from this package, with a Python that
 * has torch (see findPython) and this Node for the ranks' scripts:
 *   npx nabla-dist --nproc 2 train.mjs [args...]
 *   npx nabla-dist --pythonpath     prints the folder to put on PYTHONPATH for torchrun -m nabla_dist
 */
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import { findPython, pythonPath } from './python.js';

const args = process.argv.slice(2);
if (args[0] === '--pythonpath') {
  console.log(pythonPath);
} else {
  const { python, reason } = findPython();
  if (!python) {
    console.error(`nabla-dist: ${reason}`);
    process.exit(2);
  }
  const env = {
    ...process.env,
    PYTHONPATH: [pythonPath, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    NABLA_NODE: process.env.NABLA_NODE ?? process.execPath,
  };
  const child = spawn(python, ['-m', 'nabla_dist', ...args], { env, stdio: 'inherit' });
  // The launcher stops its ranks on SIGINT and SIGTERM: pass them on rather than die first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
  });
}
