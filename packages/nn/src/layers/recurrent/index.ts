// The recurrent layers: each module registers its classes with registerLayer and is exported here.
export { Bidirectional, type BidirectionalArgs, type MergeMode } from './bidirectional.js';
export { GRU, type GRUArgs } from './gru.js';
export { LSTM, type LSTMArgs } from './lstm.js';
export type { Recurrent, RecurrentArgs } from './rnn.js';
export { SimpleRNN, type SimpleRNNArgs } from './simple-rnn.js';
