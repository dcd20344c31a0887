import { checkArity } from '@nabla/core';
import { Callback, type Logs } from './callback.js';

/** What fit() returns: per-epoch values of the loss and every metric, as in Keras. */
export class History extends Callback {
  constructor(...extra: unknown[]) {
    super();
    checkArity('History', extra, 0);
  }
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
