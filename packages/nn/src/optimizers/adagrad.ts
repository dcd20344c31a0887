import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { checkNonNegative, OPTIMIZER_OPTIONS, Optimizer, type OptimizerConfig, optimizerArgs, type StepScalars } from './optimizer.js';

export interface AdagradConfig extends OptimizerConfig {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/**
 * Adagrad, Keras semantics: acc = acc + g^2; w = w - lr g / sqrt(acc + epsilon).
 * Slot 'accumulator', starting at initialAccumulatorValue.
 */
export class Adagrad extends Optimizer {
  override get className(): string {
    return 'Adagrad';
  }
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  /** The options the constructor takes (OptimizerConfig's and its own). */
  static readonly OPTIONS: nb.OptionSchema = { ...OPTIMIZER_OPTIONS, initialAccumulatorValue: nb.is.any, epsilon: nb.is.any };

  /** `new Adagrad(0.01)` sets the learning rate; `new Adagrad({ learningRate: 0.01, ... })` any option. */
  constructor(learningRateOrConfig: number | AdagradConfig = {}, ...extra: unknown[]) {
    const config = optimizerArgs<AdagradConfig>(new.target, [learningRateOrConfig, ...extra], 0.001);
    super(config);
    this.initialAccumulatorValue = checkNonNegative('Adagrad', 'initialAccumulatorValue', config.initialAccumulatorValue ?? 0.1);
    this.epsilon = checkNonNegative('Adagrad', 'epsilon', config.epsilon ?? 1e-7);
  }

  protected slotNames(): string[] {
    return ['accumulator'];
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    { lr }: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> } {
    const accumulator = nb.add(slots.accumulator, nb.square(grad));
    const w = nb.sub(param, nb.div(nb.mul(grad, lr), nb.sqrt(nb.add(accumulator, this.epsilon))));
    return { param: w, slots: { accumulator } };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
