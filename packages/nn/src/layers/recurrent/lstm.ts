import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../../activations.js';
import type { Initializer } from '../../initializers.js';
import { registerLayer } from '../registry.js';
import { RECURRENT_OPTIONS, Recurrent, type RecurrentArgs, type StepWeights } from './rnn.js';

export interface LSTMArgs extends RecurrentArgs {
  /** The gates' activation (default 'sigmoid'). */
  recurrentActivation?: string | ActivationFn | null;
  /** Start the forget gate's bias at 1, whatever biasInitializer says for the rest (default true). */
  unitForgetBias?: boolean;
}

/**
 * Keras's LSTM: gates i, f, c, o in that order along the kernels' columns (kernel [in, 4 units],
 * recurrent_kernel [units, 4 units], bias [4 units]); c_t = f c_{t-1} + i activation(z_c),
 * h_t = o activation(c_t), with i, f, o = recurrentActivation(z). States [h, c]; the output is h.
 */
export class LSTM extends Recurrent {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...RECURRENT_OPTIONS,
    recurrentActivation: nb.is.any,
    unitForgetBias: nb.is.boolean,
  };
  override get className(): string {
    return 'LSTM';
  }
  readonly stateCount = 2;
  protected readonly gates = 4;
  readonly recurrentActivation: { name: string; fn: ActivationFn };
  readonly unitForgetBias: boolean;

  /** `new LSTM(units, options)` as Keras, or `new LSTM({ units, ...options })` as TensorFlow.js. */
  constructor(units: number | LSTMArgs, args?: LSTMArgs, ...extra: unknown[]) {
    super('LSTM', units, args, extra);
    const a = (typeof units === 'object' ? units : (args ?? {})) as LSTMArgs;
    this.recurrentActivation = getActivation(a.recurrentActivation === undefined ? 'sigmoid' : a.recurrentActivation);
    this.unitForgetBias = a.unitForgetBias ?? true;
  }

  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    const shape = [4 * this.units];
    if (!this.unitForgetBias) return { shape, initializer: this.biasInitializer };
    const { units, biasInitializer } = this;
    // Keras: the bias initializer for i, ones for f, the initializer again for c and o.
    const initializer: Initializer = {
      className: 'LSTMUnitForgetBias',
      apply: (_shape, dtype) =>
        nb.tidy(() =>
          nb.concat([biasInitializer.apply([units], dtype), nb.ones([units], dtype), biasInitializer.apply([2 * units], dtype)], 0),
        ),
      getConfig: () => ({}),
    };
    return { shape, initializer };
  }

  protected step(x: nb.Tensor, [, c]: nb.Tensor[], hIn: nb.Tensor, w: StepWeights): nb.Tensor[] {
    const z = nb.add(x, nb.matmul(hIn, w.recurrentKernel));
    const [zi, zf, zc, zo] = nb.split(z, 4, 1);
    const gate = this.recurrentActivation.fn;
    const cNext = nb.add(nb.mul(gate(zf), c), nb.mul(gate(zi), this.activation.fn(zc)));
    return [nb.mul(gate(zo), this.activation.fn(cNext)), cNext];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias };
  }
}

registerLayer('LSTM', LSTM);
