import { checkArity, describe, NablaError } from '@nabla/core';
import { Callback, type Logs } from './callback.js';

export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

function fmt(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join('');
}

/**
 * Where progress goes by default: the process's stdout in Node; in a browser, which has no
 * terminal to redraw, each finished line goes to console.log.
 */
export function defaultOutput(): ProgressOutput {
  const stdout = (globalThis as { process?: { stdout?: ProgressOutput } }).process?.stdout;
  if (stdout) return stdout;
  let pending = '';
  return {
    write(text: string) {
      pending += text;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        console.log(pending.slice(0, end).replace(/^\r/, ''));
        pending = pending.slice(end + 1);
      }
    },
  };
}

/** evaluate's results on one line (verbose 1 or 2), as Keras ends an evaluation. */
export function writeResults(logs: Logs, out: ProgressOutput = defaultOutput()): void {
  out.write(`${fmt(logs).slice(' - '.length)}\n`);
}

function fmtTime(ms: number): string {
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.round(ms)}ms`;
}

/**
 * Keras's progress output. On a terminal (verbose 1): a bar per epoch, redrawn each batch with
 * the batch count, ETA and running loss and metrics. Otherwise (verbose 2, or output that is
 * not a terminal): one line per epoch.
 */
export class ProgbarLogger extends Callback {
  private epochStart = 0;
  private lastDraw = 0;
  private readonly out: ProgressOutput;

  constructor(out?: ProgressOutput, ...extra: unknown[]) {
    super();
    checkArity('ProgbarLogger', [out, ...extra], 1);
    if (out !== undefined && typeof (out as { write?: unknown })?.write !== 'function') {
      throw new NablaError(`ProgbarLogger: out must have a write(text) method, got ${describe(out)}`);
    }
    this.out = out ?? defaultOutput();
  }

  /** It writes: rank 0 alone runs it in data-parallel fit. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  private get bar(): boolean {
    return this.params.verbose === 1 && this.out.isTTY === true;
  }

  /** Batches done this epoch (the total, when a dataset's length is not known ahead). */
  private done = 0;

  /** Batches per epoch: known (arrays, stepsPerEpoch), or NaN for a dataset read to its end. */
  private get known(): boolean {
    return Number.isFinite(this.params.steps);
  }

  override onEpochBegin(epoch: number): void {
    this.done = 0;
    this.epochStart = performance.now();
    this.lastDraw = 0;
    if (this.bar) this.out.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const done = batch + 1;
    this.done = done;
    if (!this.bar) return;
    const now = performance.now();
    // Redraw at most every 50 ms: a terminal is slower than a small training step.
    if (!(done >= this.params.steps) && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const elapsed = now - this.epochStart;
    if (!this.known) {
      this.out.write(`\r${done}/Unknown - ${fmtTime(elapsed)}${fmt(logs)}\u001b[K`);
      return;
    }
    const eta = (elapsed / done) * (this.params.steps - done);
    this.out.write(`\r${this.progress(done)} - ETA: ${fmtTime(eta)}${fmt(logs)}\u001b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const elapsed = performance.now() - this.epochStart;
    const steps = this.known ? this.params.steps : this.done;
    if (this.bar) {
      this.out.write(`\r${this.progress(steps)} - ${fmtTime(elapsed)} ${fmtTime(elapsed / Math.max(steps, 1))}/step${fmt(logs)}\u001b[K\n`);
    } else {
      this.out.write(`Epoch ${epoch + 1}/${this.params.epochs} - ${steps}/${steps} - ${fmtTime(elapsed)}${fmt(logs)}\n`);
    }
  }

  private progress(done: number): string {
    const steps = this.known ? this.params.steps : this.done;
    const width = 30;
    const filled = steps > 0 ? Math.floor((width * done) / steps) : width;
    const arrow = done < steps ? '>' : '=';
    const bar = `${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? arrow : ''}${'.'.repeat(width - filled)}`;
    const w = String(steps).length;
    return `${String(done).padStart(w)}/${steps} [${bar}]`;
  }
}
