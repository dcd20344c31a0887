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

export interface AdamConfig extends OptimizerConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

export interface AdamWConfig extends AdamConfig {
  weightDecay?: number;
}

/**
 * Adam, Keras semantics (epsilon outside the square root, bias correction folded into the step):
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; alpha = lr sqrt(1-b2^t) / (1-b1^t);
 * w = w - alpha m / (sqrt(v) + epsilon). With amsgrad the denominator uses vhat = max(vhat, v).
 * Slots: 'm', 'v', and 'vhat' with amsgrad.
 */
export class Adam extends Optimizer {
  override get className(): string {
    return 'Adam';
  }
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  /** The options the constructor takes (OptimizerConfig's and its own). */
  static readonly OPTIONS: nb.OptionSchema = {
    ...OPTIMIZER_OPTIONS,
    beta1: nb.is.any,
    beta2: nb.is.any,
    epsilon: nb.is.any,
    amsgrad: nb.is.any,
  };

  /** `new Adam(0.01)` sets the learning rate; `new Adam({ learningRate: 0.01, ... })` any option. */
  constructor(learningRateOrConfig: number | AdamConfig = {}, ...extra: unknown[]) {
    const config = optimizerArgs<AdamConfig>(new.target, [learningRateOrConfig, ...extra], 0.001);
    super(config);
    const owner = this.className;
    this.beta1 = checkUnitInterval(owner, 'beta1', config.beta1 ?? 0.9);
    this.beta2 = checkUnitInterval(owner, 'beta2', config.beta2 ?? 0.999);
    this.epsilon = checkNonNegative(owner, 'epsilon', config.epsilon ?? 1e-7);
    this.amsgrad = checkBoolean(owner, 'amsgrad', config.amsgrad ?? false);
  }

  protected slotNames(): string[] {
    return this.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
  }

  /** alpha = lr sqrt(1 - b2^t) / (1 - b1^t) for step t = iterations + 1, on the host. */
  override stepScalars(iterations: number): Record<string, number> {
    const { lr } = super.stepScalars(iterations);
    const t = iterations + 1;
    return { lr, alpha: (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t) };
  }

  protected updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    { alpha }: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> } {
    const { beta1: b1, beta2: b2 } = this;
    // Keras's forms: m + (g - m)(1 - b1) and v + (g^2 - v)(1 - b2).
    const m = nb.add(slots.m, nb.mul(nb.sub(grad, slots.m), 1 - b1));
    const v = nb.add(slots.v, nb.mul(nb.sub(nb.square(grad), slots.v), 1 - b2));
    const out: Record<string, Tensor> = { m, v };
    let denom = v;
    if (this.amsgrad) denom = out.vhat = nb.maximum(slots.vhat, v);
    const w = nb.sub(param, nb.div(nb.mul(m, alpha), nb.add(nb.sqrt(denom), this.epsilon)));
    return { param: w, slots: out };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/**
 * AdamW, Keras semantics: decoupled weight decay w = w - lr * weightDecay * w (on the clipped
 * step's parameters, before the gradient update), then the Adam update.
 */
export class AdamW extends Adam {
  override get className(): string {
    return 'AdamW';
  }
  readonly weightDecay: number;

  static override readonly OPTIONS: nb.OptionSchema = { ...Adam.OPTIONS, weightDecay: nb.is.any };

  /** `new AdamW(0.01)` sets the learning rate; `new AdamW({ learningRate: 0.01, weightDecay: 0.01 })` any option. */
  constructor(learningRateOrConfig: number | AdamWConfig = {}, ...extra: unknown[]) {
    super(learningRateOrConfig, ...extra);
    const config = typeof learningRateOrConfig === 'number' ? {} : learningRateOrConfig;
    this.weightDecay = checkNonNegative(this.className, 'weightDecay', config.weightDecay ?? 0.004);
  }

  protected override updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    scalars: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> } {
    const decayed = this.weightDecay === 0 ? param : nb.sub(param, nb.mul(nb.mul(param, this.weightDecay), scalars.lr));
    return super.updateOne(decayed, grad, slots, scalars);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}
