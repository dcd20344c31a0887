import type { Tensor } from '@nabla/core';
import { checkArity, dispose, is, NablaError } from '@nabla/core';
import { checkConfig } from '../options.js';
import { Callback, type Logs } from './callback.js';
import { checkMode, improves, type MonitorMode, monitored } from './monitor.js';

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: MonitorMode;
  baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored quantity stops improving (Keras semantics). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly better: (c: number, b: number, d: number) => boolean;
  private readonly baseline?: number;
  private best = Number.NaN;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  /** The epoch at which training was stopped, or 0. */
  stoppedEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}, ...extra: unknown[]) {
    super();
    checkArity('EarlyStopping', [args, ...extra], 1);
    checkConfig('EarlyStopping', args, {
      monitor: is.string,
      minDelta: is.number,
      patience: is.any,
      mode: is.string,
      baseline: is.number,
      restoreBestWeights: is.boolean,
    });
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new NablaError(`EarlyStopping: patience must be a non-negative integer, got ${args.patience}`);
    this.better = improves(checkMode('EarlyStopping', args.mode ?? 'auto'), this.monitor);
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = Number.NaN;
    this.releaseBest();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = monitored('EarlyStopping', this.monitor, logs);
    const reference = Number.isNaN(this.best) ? this.baseline : this.best;
    if (reference === undefined || this.better(current, reference, this.minDelta)) {
      this.best = current;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.releaseBest();
        this.bestWeights = this.model.snapshotWeights();
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch > 0) {
      this.model.setWeights(this.bestWeights);
      this.bestWeights = null;
    }
    this.releaseBest();
  }

  private releaseBest(): void {
    if (this.bestWeights) dispose(this.bestWeights);
    this.bestWeights = null;
  }
}
