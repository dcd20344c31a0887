import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import {
  checkBoolean,
  checkNonNegative,
  checkUnitInterval,
  OPTIMIZER_OPTIONS,
  Optimizer,
  type OptimizerConfig,
  optimizerArgs,
  type StepScalars,
} from './optimizer.js';

export interface RMSpropConfig extends OptimizerConfig {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * RMSprop, Keras semantics (epsilon inside the square root):
 * v = rho v + (1-rho) g^2; centered: a = rho a + (1-rho) g, denominator v - a^2 + eps, else v + eps;
 * increment = lr g / sqrt(denominator); momentum > 0: mom = momentum mom + increment, w = w - mom;
 * else w = w - increment. Slots: 'velocity', plus 'momentum' and 'averageGradient' when used.
 */
export class RMSprop extends Optimizer {
  override get className(): string {
    return 'RMSprop';
  }
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  /** The options the constructor takes (OptimizerConfig's and its own). */
  static readonly OPTIONS: nb.OptionSchema = {
    ...OPTIMIZER_OPTIONS,
    rho: nb.is.any,
    momentum: nb.is.any,
    epsilon: nb.is.any,
    centered: nb.is.any,
  };

  /** `new RMSprop(0.01)` sets the learning rate; `new RMSprop({ learningRate: 0.01, ... })` any option. */
  constructor(learningRateOrConfig: number | RMSpropConfig = {}, ...extra: unknown[]) {
    const config = optimizerArgs<RMSpropConfig>(new.target, [learningRateOrConfig, ...extra], 0.001);
    super(config);
    this.rho = checkUnitInterval('RMSprop', 'rho', config.rho ?? 0.9);
    this.momentum = checkNonNegative('RMSprop', 'momentum', config.momentum ?? 0);
    this.epsilon = checkNonNegative('RMSprop', 'epsilon', config.epsilon ?? 1e-7);
    this.centered = checkBoolean('RMSprop', 'centered', config.centered ?? false);
  }

  protected slotNames(): string[] {
    const names = ['velocity'];
    if (this.momentum > 0) names.push('momentum');
    if (this.centered) names.push('averageGradient');
    return names;
  }

  protected updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    { lr }: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> } {
    const rho = this.rho;
    const velocity = nb.add(nb.mul(slots.velocity, rho), nb.mul(nb.square(grad), 1 - rho));
    const out: Record<string, Tensor> = { velocity };
    let denominator: Tensor;
    if (this.centered) {
      const avg = nb.add(nb.mul(slots.averageGradient, rho), nb.mul(grad, 1 - rho));
      out.averageGradient = avg;
      denominator = nb.add(nb.sub(velocity, nb.square(avg)), this.epsilon);
    } else {
      denominator = nb.add(velocity, this.epsilon);
    }
    const increment = nb.div(nb.mul(grad, lr), nb.sqrt(denominator));
    if (this.momentum > 0) {
      const mom = nb.add(nb.mul(slots.momentum, this.momentum), increment);
      out.momentum = mom;
      return { param: nb.sub(param, mom), slots: out };
    }
    return { param: nb.sub(param, increment), slots: out };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
