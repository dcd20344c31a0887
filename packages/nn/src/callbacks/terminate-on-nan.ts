import { checkArg, checkArity, is } from '@nabla/core';
import { Callback, type Logs } from './callback.js';

/** Stops training at the first batch whose loss is NaN or infinite, and says which. */
export class TerminateOnNaN extends Callback {
  /** The batch (within its epoch) and epoch where training stopped, if it did. */
  stoppedAt: { epoch: number; batch: number } | null = null;
  private epoch = 0;
  private readonly log: (line: string) => void;
  constructor(log: (line: string) => void = (l) => console.warn(l), ...extra: unknown[]) {
    super();
    checkArity('TerminateOnNaN', [log, ...extra], 1);
    checkArg('TerminateOnNaN', 'log', log, is.function);
    this.log = log;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      this.stoppedAt = { epoch: this.epoch, batch };
      this.log(`TerminateOnNaN: epoch ${this.epoch + 1}, batch ${batch}: loss is ${loss}, stopping training`);
      this.model.stopTraining = true;
    }
  }
}
