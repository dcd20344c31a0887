import * as nb from '@nabla/core';
import { registerLayer } from '../registry.js';
import { RECURRENT_OPTIONS, Recurrent, type RecurrentArgs, type StepWeights } from './rnn.js';

export type SimpleRNNArgs = RecurrentArgs;

/** h_t = activation(x_t W + b + h_{t-1} U): Keras's SimpleRNN (weights kernel, recurrent_kernel, bias). */
export class SimpleRNN extends Recurrent {
  static override readonly OPTIONS: nb.OptionSchema = RECURRENT_OPTIONS;
  override get className(): string {
    return 'SimpleRNN';
  }
  readonly stateCount = 1;
  protected readonly gates = 1;

  /** `new SimpleRNN(units, options)` as Keras, or `new SimpleRNN({ units, ...options })` as TensorFlow.js. */
  constructor(units: number | SimpleRNNArgs, args?: SimpleRNNArgs, ...extra: unknown[]) {
    super('SimpleRNN', units, args, extra);
  }

  protected step(x: nb.Tensor, _states: nb.Tensor[], hIn: nb.Tensor, w: StepWeights): nb.Tensor[] {
    return [this.activation.fn(nb.add(x, nb.matmul(hIn, w.recurrentKernel)))];
  }
}

registerLayer('SimpleRNN', SimpleRNN);
