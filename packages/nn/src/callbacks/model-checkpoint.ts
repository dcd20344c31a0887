import { checkArity, is, NablaError } from '@nabla/core';
import { checkConfig } from '../options.js';
import { Callback, type Logs } from './callback.js';
import { checkMode, improves, type MonitorMode, monitored } from './monitor.js';

export interface ModelCheckpointArgs {
  /**
   * Where to save: a folder path, `indexeddb://name` or `downloads://name`, formatted per epoch
   * as Keras's: `{epoch}` is the epoch counted from 1 (`{epoch:02d}` zero-padded), `{val_loss}`
   * (any log name) its value (`{val_loss:.2f}` with 2 decimals). Required.
   */
  filepath: string;
  /** The logged quantity that saveBestOnly compares (default 'val_loss'). */
  monitor?: string;
  /** Save only when the monitored quantity improves on the best so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max', or 'auto' (default): maximize accuracy-like quantities, minimize the rest. */
  mode?: MonitorMode;
  /** 1 prints a line per save or skip (default 0). */
  verbose?: 0 | 1;
  /**
   * Whether each checkpoint holds the optimizer's state (default true, as model.save): with it,
   * loadModel and fit with `initialEpoch` continue the run exactly; false saves the model
   * without it (smaller files; a resumed run starts fresh optimizer slots).
   */
  includeOptimizer?: boolean;
}

/** What ModelCheckpoint needs of the model. */
interface Savable {
  save(path: string, options?: { includeOptimizer?: boolean }): Promise<void>;
}

const FIELD = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/** Keras's filepath formatting, the parts it uses: `{name}`, `{name:02d}`, `{name:.4f}`. */
export function formatFilepath(filepath: string, epoch: number, logs: Logs): string {
  return filepath.replace(FIELD, (whole, name: string, spec: string | undefined) => {
    const value = name === 'epoch' ? epoch + 1 : logs[name];
    if (value === undefined) {
      throw new NablaError(
        `ModelCheckpoint: filepath '${filepath}' names '${name}', not in the logs; available: epoch, ${Object.keys(logs).join(', ')}`,
      );
    }
    if (spec === undefined || spec === '') return String(value);
    const int = /^0?(\d*)d$/.exec(spec);
    if (int) return String(Math.round(value)).padStart(Number(int[1] || 0), spec.startsWith('0') ? '0' : ' ');
    const fixed = /^\.(\d+)f$/.exec(spec);
    if (fixed) return value.toFixed(Number(fixed[1]));
    throw new NablaError(`ModelCheckpoint: unsupported format '${whole}' in filepath: use {name}, {name:02d} or {name:.4f}`);
  });
}

/**
 * Saves the model at the end of epochs (Keras's ModelCheckpoint, saving the whole model, the
 * optimizer's state included unless `includeOptimizer: false`): every epoch, or only when the
 * monitored quantity improved. Saving goes through model.save, which
 * never leaves the destination without a whole model, even if the process dies mid-save.
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  private readonly better: (c: number, b: number, d: number) => boolean;
  private readonly verbose: 0 | 1;
  readonly includeOptimizer: boolean;
  /** The best monitored value so far (NaN before the first epoch). */
  best = Number.NaN;
  /** The paths saved to, in order. */
  readonly saved: string[] = [];

  constructor(args: ModelCheckpointArgs, ...extra: unknown[]) {
    super();
    checkArity('ModelCheckpoint', [args, ...extra], 1);
    const o = checkConfig('ModelCheckpoint', args, {
      filepath: is.string,
      monitor: is.string,
      saveBestOnly: is.boolean,
      mode: is.string,
      verbose: is.oneOf(0, 1),
      includeOptimizer: is.boolean,
    });
    if (o.filepath === undefined || o.filepath === '') throw new NablaError('ModelCheckpoint: filepath (where to save) is required');
    this.filepath = o.filepath;
    this.monitor = o.monitor ?? 'val_loss';
    this.saveBestOnly = o.saveBestOnly ?? false;
    this.better = improves(checkMode('ModelCheckpoint', o.mode ?? 'auto'), this.monitor);
    this.verbose = o.verbose ?? 0;
    this.includeOptimizer = o.includeOptimizer ?? true;
  }

  /** It writes: rank 0 alone runs it in data-parallel fit. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  override onTrainBegin(): void {
    this.best = Number.NaN;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const path = formatFilepath(this.filepath, epoch, logs);
    if (this.saveBestOnly) {
      const current = monitored('ModelCheckpoint', this.monitor, logs);
      if (!Number.isNaN(this.best) && !this.better(current, this.best, 0)) {
        if (this.verbose) console.log(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best}`);
        return;
      }
      if (this.verbose)
        console.log(`Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${current}, saving the model to ${path}`);
      this.best = current;
    } else if (this.verbose) {
      console.log(`Epoch ${epoch + 1}: saving the model to ${path}`);
    }
    const model = this.model as unknown as Partial<Savable>;
    if (typeof model.save !== 'function') throw new NablaError('ModelCheckpoint: the model has no save method');
    await model.save(path, { includeOptimizer: this.includeOptimizer });
    this.saved.push(path);
  }
}
