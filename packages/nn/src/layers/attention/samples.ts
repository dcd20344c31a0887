import type { LayerSample } from '../samples.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { PositionEmbedding } from './position-embedding.js';
import { SinePositionEncoding } from './sine-position-encoding.js';
import { TransformerEncoder } from './transformer-encoder.js';

/** Samples of the attention layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  MultiHeadAttention: [
    {
      what: 'self-attention [query, value], 2 heads of 2',
      make: (o) => new MultiHeadAttention(2, 2, { ...o }),
      positional: (...e) => Reflect.construct(MultiHeadAttention, [2, 2, {}, ...e]),
      input: [
        [3, 4],
        [3, 4],
      ],
    },
    {
      what: 'cross-attention [query, value, key]: valueDim, outputShape, no bias, causal, returned scores',
      make: (o) =>
        new MultiHeadAttention({
          numHeads: 2,
          keyDim: 2,
          valueDim: 1,
          outputShape: [2, 2],
          useBias: false,
          useCausalMask: true,
          returnAttentionScores: true,
          ...o,
        }),
      positional: (...e) =>
        Reflect.construct(MultiHeadAttention, [
          2,
          2,
          { valueDim: 1, outputShape: [2, 2], useBias: false, returnAttentionScores: true },
          ...e,
        ]),
      input: [
        [2, 3],
        [4, 2],
        [4, 3],
      ],
    },
    {
      what: 'an attention mask input (non-zero: attend)',
      make: (o) => new MultiHeadAttention(1, 2, { ...o }),
      positional: (...e) => Reflect.construct(MultiHeadAttention, [1, 2, {}, ...e]),
      input: [
        [3, 2],
        [2, 2],
        [2, 2],
        [3, 2],
      ],
    },
  ],
  TransformerEncoder: [
    {
      what: 'post-norm, 2 heads',
      make: (o) => new TransformerEncoder(3, 2, { ...o }),
      positional: (...e) => Reflect.construct(TransformerEncoder, [3, 2, {}, ...e]),
      input: [3, 4],
    },
    {
      what: 'an attention mask input [x, attentionMask]',
      make: (o) => new TransformerEncoder(2, 1, { ...o }),
      positional: (...e) => Reflect.construct(TransformerEncoder, [2, 1, {}, ...e]),
      input: [
        [3, 2],
        [3, 3],
      ],
    },
    {
      what: 'normalizeFirst, causal, gelu',
      make: (o) =>
        new TransformerEncoder({ intermediateDim: 2, numHeads: 1, normalizeFirst: true, useCausalMask: true, activation: 'gelu', ...o }),
      positional: (...e) => Reflect.construct(TransformerEncoder, [2, 1, { normalizeFirst: true }, ...e]),
      input: [3, 2],
    },
  ],
  PositionEmbedding: [
    {
      what: 'a sequence shorter than sequenceLength',
      make: (o) => new PositionEmbedding(5, { ...o }),
      positional: (...e) => Reflect.construct(PositionEmbedding, [5, {}, ...e]),
      input: [3, 2],
    },
  ],
  SinePositionEncoding: [
    {
      what: 'odd and even features',
      make: (o) => new SinePositionEncoding({ maxWavelength: 100, ...o }),
      positional: (...e) => Reflect.construct(SinePositionEncoding, [{}, ...e]),
      input: [4, 5],
    },
  ],
};
