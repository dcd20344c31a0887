import type { LayerSample } from '../samples.js';
import { Concatenate } from './concatenate.js';
import { Dot } from './dot.js';
import { Add, Average, Maximum, Minimum, Multiply, Subtract } from './elementwise.js';

/** Samples of the merging layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  Add: [
    {
      what: 'three inputs, one of lower rank (broadcast after the batch axis)',
      make: (o) => new Add({ ...o }),
      positional: (...e) => Reflect.construct(Add, [{}, ...e]),
      input: [[2, 3], [2, 3], [3]],
    },
  ],
  Subtract: [
    {
      what: 'two inputs',
      make: (o) => new Subtract({ ...o }),
      positional: (...e) => Reflect.construct(Subtract, [{}, ...e]),
      input: [[4], [4]],
    },
  ],
  Multiply: [
    {
      what: 'a size-1 axis broadcasts',
      make: (o) => new Multiply({ ...o }),
      positional: (...e) => Reflect.construct(Multiply, [{}, ...e]),
      input: [
        [2, 3],
        [2, 1],
      ],
    },
  ],
  Average: [
    {
      what: 'two inputs',
      make: (o) => new Average({ ...o }),
      positional: (...e) => Reflect.construct(Average, [{}, ...e]),
      input: [[3], [3]],
    },
  ],
  Maximum: [
    {
      what: 'two inputs',
      make: (o) => new Maximum({ ...o }),
      positional: (...e) => Reflect.construct(Maximum, [{}, ...e]),
      input: [[4], [4]],
    },
  ],
  Minimum: [
    {
      what: 'three inputs',
      make: (o) => new Minimum({ ...o }),
      positional: (...e) => Reflect.construct(Minimum, [{}, ...e]),
      input: [[4], [4], [4]],
    },
  ],
  Concatenate: [
    {
      what: 'the last axis',
      make: (o) => new Concatenate({ ...o }),
      positional: (...e) => Reflect.construct(Concatenate, [-1, {}, ...e]),
      input: [
        [2, 3],
        [2, 1],
      ],
    },
    {
      what: 'axis 1 (time), Keras form',
      make: (o) => new Concatenate(1, { ...o }),
      positional: (...e) => Reflect.construct(Concatenate, [1, {}, ...e]),
      input: [
        [2, 3],
        [1, 3],
      ],
    },
  ],
  Dot: [
    {
      what: 'axes [2, 2] of [3, 4] and [5, 4]: [3, 5]',
      make: (o) => new Dot([2, 2], { ...o }),
      positional: (...e) => Reflect.construct(Dot, [[2, 2], {}, ...e]),
      input: [
        [3, 4],
        [5, 4],
      ],
    },
    {
      what: 'normalized vectors (cosine similarity), TensorFlow.js form',
      make: (o) => new Dot({ axes: -1, normalize: true, ...o }),
      positional: (...e) => Reflect.construct(Dot, [1, { normalize: true }, ...e]),
      input: [[4], [4]],
    },
  ],
};
