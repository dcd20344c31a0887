import type { Layer } from '../layer.js';
import type { LayerSample } from '../samples.js';
import { Bidirectional } from './bidirectional.js';
import { GRU } from './gru.js';
import { LSTM } from './lstm.js';
import { SimpleRNN } from './simple-rnn.js';

type Ctor = new (...args: never[]) => Layer;

/** A sample constructed as `new cls(units, options)` (the Keras form). */
function sample(what: string, cls: Ctor, units: number, options: object, input: number[] | number[][]): LayerSample {
  return {
    what,
    make: (o) => Reflect.construct(cls, [units, { ...options, ...o }]),
    positional: (...e) => Reflect.construct(cls, [units, { ...options }, ...e]),
    input,
  };
}

/** Samples of the recurrent layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  SimpleRNN: [
    sample('last output', SimpleRNN, 3, {}, [4, 2]),
    sample(
      'returnSequences, returnState, goBackwards, relu, an initial state',
      SimpleRNN,
      2,
      { returnSequences: true, returnState: true, goBackwards: true, activation: 'relu' },
      [[3, 2], [2]],
    ),
  ],
  LSTM: [
    sample('returnSequences', LSTM, 3, { returnSequences: true }, [4, 2]),
    sample('initial states as inputs, returnState, no bias', LSTM, 2, { returnState: true, useBias: false }, [[3, 2], [2], [2]]),
  ],
  GRU: [
    sample('resetAfter (two bias rows), goBackwards', GRU, 3, { goBackwards: true }, [4, 2]),
    sample('resetAfter false, returnSequences, an initial state', GRU, 2, { resetAfter: false, returnSequences: true }, [[3, 2], [2]]),
  ],
  Bidirectional: [
    {
      what: 'LSTM returning sequences, concatenated',
      make: (o) => new Bidirectional(new LSTM(2, { returnSequences: true }), { ...o }),
      positional: (...e) => Reflect.construct(Bidirectional, [new LSTM(2, { returnSequences: true }), {}, ...e]),
      input: [3, 2],
    },
    {
      what: 'GRU with returnState, mergeMode null, initial states (TensorFlow.js form)',
      make: (o) => new Bidirectional({ layer: new GRU(2, { returnState: true, resetAfter: false }), mergeMode: null, ...o }),
      positional: (...e) =>
        Reflect.construct(Bidirectional, [new GRU(2, { returnState: true, resetAfter: false }), { mergeMode: null }, ...e]),
      input: [[3, 2], [2], [2]],
    },
  ],
};
