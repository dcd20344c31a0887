import type { LayerSample } from '../samples.js';
import { Embedding } from './embedding.js';

/** Samples of Embedding for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  Embedding: [
    {
      what: 'a sequence of indices (gradients of the embeddings)',
      make: (o) => new Embedding(6, 3, { ...o }),
      positional: (...e) => Reflect.construct(Embedding, [6, 3, {}, ...e]),
      input: [4],
      intRange: 6,
    },
    {
      what: 'TensorFlow.js form, maskZero and inputLength',
      make: (o) => new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputLength: [2, 2], ...o }),
      positional: (...e) => Reflect.construct(Embedding, [5, 2, { maskZero: true }, ...e]),
      input: [2, 2],
      intRange: 5,
    },
  ],
};
