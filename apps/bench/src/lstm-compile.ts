import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Result } from './harness.js';

/**
 * Issue 12's bar for unrolled recurrence: compile plus first step of an LSTM(64) training step
 * (batch 32, 16 features) at lengths 20, 100 and 500 must stay under 10 s, or nabla needs a loop
 * construct. Each figure is the median of RUNS fresh processes (lstm-first-call.ts), since a
 * first call happens once per process.
 */
const LENGTHS = [20, 100, 500];
const RUNS = 3;
const LIMIT_MS = 10_000;
const run = promisify(execFile);
const script = fileURLToPath(new URL('./lstm-first-call.js', import.meta.url));

interface FirstCall {
  firstMs: number;
  firstCpuMs: number;
  stepMs: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

export async function lstmCompileBench(backends: string[]): Promise<Result[]> {
  console.log(
    `lstm-compile: the first trainOnBatch of LSTM(64), Dense(1) (trace, compile, run) at lengths ${LENGTHS.join(', ')}; medians of ${RUNS} fresh processes (load average ${loadavg()[0].toFixed(2)})`,
  );
  const results: Result[] = [];
  const lines: string[] = [];
  for (const backend of backends) {
    for (const T of LENGTHS) {
      const calls: FirstCall[] = [];
      for (let i = 0; i < RUNS; i++) {
        const { stdout } = await run(process.execPath, [script, backend, String(T)], { maxBuffer: 1 << 20 });
        calls.push(JSON.parse(stdout.trim().split('\n').at(-1) as string));
      }
      const first = median(calls.map((c) => c.firstMs));
      const cpu = median(calls.map((c) => c.firstCpuMs));
      const step = median(calls.map((c) => c.stepMs));
      results.push({
        workload: 'lstm-compile',
        size: `T=${T}`,
        impl: `nabla-${backend}`,
        medianMs: first,
        runs: RUNS,
        value: first,
        unit: 'ms first call',
        higherIsBetter: false,
      });
      lines.push(
        `  nabla-${backend.padEnd(10)} T=${String(T).padEnd(4)} first call ${(first / 1000).toFixed(2)} s (CPU ${(cpu / 1000).toFixed(2)} s), later steps ${step.toFixed(1)} ms${T === 500 ? (first < LIMIT_MS ? ': under 10 s, met' : ': over 10 s, missed') : ''}`,
      );
    }
  }
  console.log(`lstm-compile targets (T=500 under 10 s):\n${lines.join('\n')}`);
  return results;
}
