import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import {
  checkBoolean,
  checkNonNegative,
  OPTIMIZER_OPTIONS,
  Optimizer,
  type OptimizerConfig,
  optimizerArgs,
  type StepScalars,
} from './optimizer.js';

export interface SGDConfig extends OptimizerConfig {
  momentum?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, Keras 2.11+/Keras 3 semantics:
 * v = momentum * v - lr * g; w = w + v (nesterov: w = w + momentum * v - lr * g, with the new v).
 * Keeps a 'momentum' slot only when momentum > 0.
 */
export class SGD extends Optimizer {
  override get className(): string {
    return 'SGD';
  }
  readonly momentum: number;
  readonly nesterov: boolean;

  /** The options the constructor takes (OptimizerConfig's and its own). */
  static readonly OPTIONS: nb.OptionSchema = { ...OPTIMIZER_OPTIONS, momentum: nb.is.any, nesterov: nb.is.any };

  /** `new SGD(0.01)` sets the learning rate; `new SGD({ learningRate: 0.01, ... })` any option. */
  constructor(learningRateOrConfig: number | SGDConfig = {}, ...extra: unknown[]) {
    const config = optimizerArgs<SGDConfig>(new.target, [learningRateOrConfig, ...extra], 0.01);
    super(config);
    this.momentum = checkNonNegative('SGD', 'momentum', config.momentum ?? 0);
    this.nesterov = checkBoolean('SGD', 'nesterov', config.nesterov ?? false);
  }

  protected slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    { lr }: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> } {
    const step = nb.mul(grad, lr);
    if (this.momentum === 0) return { param: nb.sub(param, step), slots: {} };
    const v = nb.sub(nb.mul(slots.momentum, this.momentum), step);
    const delta = this.nesterov ? nb.sub(nb.mul(v, this.momentum), step) : v;
    return { param: nb.add(param, delta), slots: { momentum: v } };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
