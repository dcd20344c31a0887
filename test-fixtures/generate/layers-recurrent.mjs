import { ids, mask, state, x } from './layers-inputs.mjs';

/**
 * Recurrent layer cases: SimpleRNN, LSTM and GRU (resetAfter false: TF.js has no other GRU),
 * with returnSequences, returnState, goBackwards, masks, initial states, Bidirectional, and
 * Embedding(maskZero) feeding a recurrent layer. Masks include a row padded at the start and a
 * hole in the middle, where carrying the last state forward matters, and goBackwards reads a
 * masked row from its end.
 */

const MASK = [
  [1, 1, 1, 0, 0],
  [0, 1, 1, 1, 1],
  [1, 1, 0, 1, 1],
];

const rnn = (className, config, inputs, tag) => ({ layers: [{ className, config }], inputs, ...(tag ? { tag } : {}) });

function variants(className, extra) {
  const c = (config) => ({ units: 4, ...extra, ...config });
  const stateCount = className === 'LSTM' ? 2 : 1;
  const states = Array.from({ length: stateCount }, () => state([3, 4]));
  return [
    rnn(className, c({}), [x([3, 5, 3])]),
    rnn(className, c({ returnSequences: true }), [x([3, 5, 3])]),
    rnn(className, c({ returnState: true }), [x([3, 5, 3])]),
    rnn(className, c({ returnSequences: true, returnState: true }), [x([2, 4, 3])]),
    rnn(className, c({ goBackwards: true }), [x([3, 5, 3])]),
    rnn(className, c({ goBackwards: true, returnSequences: true }), [x([3, 5, 3])]),
    rnn(className, c({ returnSequences: true }), [x([3, 5, 3]), mask(MASK)]),
    rnn(className, c({ returnState: true }), [x([3, 5, 3]), mask(MASK)]),
    rnn(className, c({ goBackwards: true, returnSequences: true }), [x([3, 5, 3]), mask(MASK)]),
    rnn(className, c({ returnSequences: true }), [x([3, 5, 3]), ...states]),
    rnn(className, c({ useBias: false }), [x([2, 6, 2])]),
    rnn(className, c({ units: 1 }), [x([2, 3, 4])]),
  ];
}

function recurrent() {
  return [
    ...variants('SimpleRNN', {}),
    rnn('SimpleRNN', { units: 3, activation: 'sigmoid', returnSequences: true }, [x([2, 4, 3])]),
    ...variants('LSTM', {}),
    rnn('LSTM', { units: 3, activation: 'sigmoid', returnSequences: true }, [x([2, 4, 3])]),
    ...variants('GRU', { resetAfter: false }),
    rnn('GRU', { units: 3, resetAfter: false, recurrentActivation: 'tanh', returnSequences: true }, [x([2, 4, 3])]),
  ];
}

const bi = (layer, config, inputs) => ({ layers: [{ className: 'Bidirectional', config: { layer, ...config } }], inputs });

function bidirectional() {
  const lstm = (config) => ({ className: 'LSTM', config: { units: 3, ...config } });
  const gru = (config) => ({ className: 'GRU', config: { units: 3, resetAfter: false, ...config } });
  const simple = (config) => ({ className: 'SimpleRNN', config: { units: 3, ...config } });
  return [
    bi(lstm({}), {}, [x([2, 4, 3])]),
    bi(lstm({ returnSequences: true }), {}, [x([2, 4, 3])]),
    bi(lstm({ returnSequences: true }), { mergeMode: 'sum' }, [x([2, 4, 3])]),
    bi(gru({}), { mergeMode: 'sum' }, [x([2, 4, 3])]),
    bi(gru({ returnSequences: true }), { mergeMode: 'concat' }, [x([2, 4, 3])]),
    bi(simple({ returnSequences: true }), { mergeMode: 'ave' }, [x([2, 4, 3])]),
    bi(simple({}), { mergeMode: 'mul' }, [x([2, 4, 3])]),
    bi(lstm({ returnState: true }), {}, [x([2, 4, 3])]),
    bi(gru({}), {}, [x([3, 5, 3]), mask(MASK)]),
  ];
}

/** Token ids with 0 as padding: at the end, at the start, and a row with none. */
const IDS = [
  [3, 1, 4, 0, 0],
  [0, 0, 2, 5, 1],
  [5, 2, 6, 1, 3],
];

function embedded() {
  const emb = { className: 'Embedding', config: { inputDim: 7, outputDim: 3, maskZero: true } };
  return [
    { layers: [{ className: 'Embedding', config: { inputDim: 7, outputDim: 3 } }], inputs: [ids(IDS)] },
    { layers: [emb], inputs: [ids(IDS)] },
    { layers: [emb, { className: 'LSTM', config: { units: 4 } }], inputs: [ids(IDS)] },
    { layers: [emb, { className: 'SimpleRNN', config: { units: 4, returnSequences: true } }], inputs: [ids(IDS)] },
    { layers: [emb, { className: 'GRU', config: { units: 4, resetAfter: false, goBackwards: true } }], inputs: [ids(IDS)] },
    {
      layers: [emb, { className: 'Bidirectional', config: { layer: { className: 'LSTM', config: { units: 2 } }, mergeMode: 'sum' } }],
      inputs: [ids(IDS)],
    },
  ];
}

export function recurrentCases() {
  return [...recurrent(), ...bidirectional(), ...embedded()];
}
