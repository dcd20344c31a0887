import { Activation } from '../activation.js';
import { Dense } from '../dense.js';
import { Dropout } from '../dropout.js';
import { Flatten } from '../flatten.js';
import { Reshape } from '../reshape.js';
import type { LayerSample } from '../samples.js';

/** Samples of the core layers (Dense, Activation, Dropout, Flatten, Reshape) for the generic layer tests. */
export const SAMPLES: Record<string, LayerSample[]> = {
  Dense: [
    {
      what: 'tanh, on a sequence',
      make: (o) => new Dense(3, { activation: 'tanh', ...o }),
      positional: (...e) => Reflect.construct(Dense, [3, {}, ...e]),
      input: [4, 2],
    },
  ],
  Activation: [
    {
      what: 'softplus',
      make: (o) => new Activation('softplus', { ...o }),
      positional: (...e) => Reflect.construct(Activation, ['softplus', {}, ...e]),
      input: [5],
    },
  ],
  Dropout: [
    {
      what: 'inference: the identity',
      make: (o) => new Dropout(0.5, { ...o }),
      positional: (...e) => Reflect.construct(Dropout, [0.5, {}, ...e]),
      input: [3],
    },
  ],
  Flatten: [
    {
      what: 'rank 3 samples',
      make: (o) => new Flatten({ ...o }),
      positional: (...e) => Reflect.construct(Flatten, [{}, ...e]),
      input: [2, 3, 2],
    },
  ],
  Reshape: [
    {
      what: 'with an inferred dimension',
      make: (o) => new Reshape([3, -1], { ...o }),
      positional: (...e) => Reflect.construct(Reshape, [[3, -1], {}, ...e]),
      input: [6],
    },
  ],
};
