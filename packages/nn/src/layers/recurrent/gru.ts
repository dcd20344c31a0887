import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../../activations.js';
import type { Initializer } from '../../initializers.js';
import { registerLayer } from '../registry.js';
import { RECURRENT_OPTIONS, Recurrent, type RecurrentArgs, type StepWeights } from './rnn.js';

export interface GRUArgs extends RecurrentArgs {
  /** The gates' activation (default 'sigmoid'). */
  recurrentActivation?: string | ActivationFn | null;
  /**
   * Apply the reset gate after the recurrent product (default true, Keras 3's and cuDNN's): the
   * bias then has two rows, one added to the inputs' projection and one to the recurrent
   * product. False is TensorFlow.js's GRU (one bias row; the gate applied to h before its product).
   */
  resetAfter?: boolean;
}

/**
 * Keras's GRU: gates z (update), r (reset) and the candidate h along the kernels' columns, in that
 * order (kernel [in, 3 units], recurrent_kernel [units, 3 units]); h_t = z h_{t-1} + (1 - z) hh.
 */
export class GRU extends Recurrent {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...RECURRENT_OPTIONS,
    recurrentActivation: nb.is.any,
    resetAfter: nb.is.boolean,
  };
  override get className(): string {
    return 'GRU';
  }
  readonly stateCount = 1;
  protected readonly gates = 3;
  readonly recurrentActivation: { name: string; fn: ActivationFn };
  readonly resetAfter: boolean;

  /** `new GRU(units, options)` as Keras, or `new GRU({ units, ...options })` as TensorFlow.js. */
  constructor(units: number | GRUArgs, args?: GRUArgs, ...extra: unknown[]) {
    super('GRU', units, args, extra);
    const a = (typeof units === 'object' ? units : (args ?? {})) as GRUArgs;
    this.recurrentActivation = getActivation(a.recurrentActivation === undefined ? 'sigmoid' : a.recurrentActivation);
    this.resetAfter = a.resetAfter ?? true;
  }

  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    return { shape: this.resetAfter ? [2, 3 * this.units] : [3 * this.units], initializer: this.biasInitializer };
  }

  protected override inputBias(bias: nb.Tensor): nb.Tensor {
    return this.resetAfter ? nb.reshape(nb.slice(bias, [0, 0], [1, 3 * this.units]), [3 * this.units]) : bias;
  }

  protected override recurrentBias(bias: nb.Tensor): nb.Tensor | undefined {
    return this.resetAfter ? nb.reshape(nb.slice(bias, [1, 0], [1, 3 * this.units]), [3 * this.units]) : undefined;
  }

  protected override prepare(w: StepWeights): StepWeights {
    return this.resetAfter ? w : { ...w, blocks: nb.split(w.recurrentKernel, [2 * this.units, this.units], 1) };
  }

  protected step(x: nb.Tensor, [h]: nb.Tensor[], hIn: nb.Tensor, w: StepWeights): nb.Tensor[] {
    const gate = this.recurrentActivation.fn;
    const [xz, xr, xh] = nb.split(x, 3, 1);
    let candidate: nb.Tensor;
    let z: nb.Tensor;
    if (this.resetAfter) {
      let inner = nb.matmul(hIn, w.recurrentKernel);
      if (w.recurrentBias) inner = nb.add(inner, w.recurrentBias);
      const [rz, rr, rh] = nb.split(inner, 3, 1);
      z = gate(nb.add(xz, rz));
      const r = gate(nb.add(xr, rr));
      candidate = nb.add(xh, nb.mul(r, rh));
    } else {
      const [kzr, kh] = w.blocks as nb.Tensor[];
      const [rz, rr] = nb.split(nb.matmul(hIn, kzr), 2, 1);
      z = gate(nb.add(xz, rz));
      const r = gate(nb.add(xr, rr));
      candidate = nb.add(xh, nb.matmul(nb.mul(r, hIn), kh));
    }
    const hh = this.activation.fn(candidate);
    return [nb.add(nb.mul(z, h), nb.mul(nb.sub(1, z), hh))];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }
}

registerLayer('GRU', GRU);
