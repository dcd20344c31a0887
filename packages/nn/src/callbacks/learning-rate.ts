import { checkArg, checkArity, is, NablaError } from '@nabla/core';
import { checkConfig } from '../options.js';
import { Callback, type Logs } from './callback.js';
import { checkMode, improves, type MonitorMode, monitored } from './monitor.js';

/** Sets the learning rate at the start of each epoch from schedule(epoch, currentRate). */
export class LearningRateScheduler extends Callback {
  private readonly schedule: (epoch: number, lr: number) => number;
  constructor(schedule: (epoch: number, lr: number) => number, ...extra: unknown[]) {
    super();
    checkArity('LearningRateScheduler', [schedule, ...extra], 1);
    checkArg('LearningRateScheduler', 'schedule', schedule, is.function, false);
    this.schedule = schedule;
  }

  override onEpochBegin(epoch: number): void {
    const lr = this.schedule(epoch, this.model.learningRate);
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) {
      throw new NablaError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; expected a positive number`);
    }
    this.model.learningRate = lr;
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.lr = this.model.learningRate;
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: MonitorMode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored quantity stalls (Keras semantics). */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly better: (c: number, b: number, d: number) => boolean;
  private best = Number.NaN;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(args: ReduceLROnPlateauArgs = {}, ...extra: unknown[]) {
    super();
    checkArity('ReduceLROnPlateau', [args, ...extra], 1);
    checkConfig('ReduceLROnPlateau', args, {
      monitor: is.string,
      factor: is.number,
      patience: is.nonNegativeInteger,
      mode: is.string,
      minDelta: is.number,
      cooldown: is.nonNegativeInteger,
      minLr: is.nonNegative,
    });
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new NablaError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    this.patience = args.patience ?? 10;
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    this.better = improves(checkMode('ReduceLROnPlateau', args.mode ?? 'auto'), this.monitor);
  }

  override onTrainBegin(): void {
    this.best = Number.NaN;
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const current = monitored('ReduceLROnPlateau', this.monitor, logs);
    logs.lr = this.model.learningRate;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (Number.isNaN(this.best) || this.better(current, this.best, this.minDelta)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait >= this.patience) {
      const lr = this.model.learningRate;
      if (lr > this.minLr) {
        this.model.learningRate = Math.max(lr * this.factor, this.minLr);
        this.cooldownLeft = this.cooldown;
        this.wait = 0;
      }
    }
  }
}
