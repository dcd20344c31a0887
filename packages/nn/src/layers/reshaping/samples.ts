import type { LayerSample } from '../samples.js';
import { Cropping1D, Cropping2D } from './cropping.js';
import { Permute } from './permute.js';
import { RepeatVector } from './repeat-vector.js';
import { UpSampling1D, UpSampling2D } from './up-sampling.js';
import { ZeroPadding1D, ZeroPadding2D } from './zero-padding.js';

/** Samples of the reshaping layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  UpSampling1D: [
    {
      what: 'size 3',
      make: (o) => new UpSampling1D(3, { ...o }),
      positional: (...e) => Reflect.construct(UpSampling1D, [3, {}, ...e]),
      input: [3, 2],
    },
  ],
  UpSampling2D: [
    {
      what: 'nearest, size [2, 3]',
      make: (o) => new UpSampling2D([2, 3], { ...o }),
      positional: (...e) => Reflect.construct(UpSampling2D, [[2, 3], {}, ...e]),
      input: [2, 2, 1],
    },
    {
      what: 'bilinear, TensorFlow.js form',
      make: (o) => new UpSampling2D({ size: 2, interpolation: 'bilinear', ...o }),
      positional: (...e) => Reflect.construct(UpSampling2D, [2, { interpolation: 'bilinear' }, ...e]),
      input: [3, 2, 2],
    },
  ],
  ZeroPadding1D: [
    {
      what: '[before, after]',
      make: (o) => new ZeroPadding1D([1, 2], { ...o }),
      positional: (...e) => Reflect.construct(ZeroPadding1D, [[1, 2], {}, ...e]),
      input: [3, 2],
    },
  ],
  ZeroPadding2D: [
    {
      what: '[[top, bottom], [left, right]]',
      make: (o) =>
        new ZeroPadding2D(
          [
            [1, 0],
            [2, 1],
          ],
          { ...o },
        ),
      positional: (...e) => Reflect.construct(ZeroPadding2D, [1, {}, ...e]),
      input: [2, 3, 2],
    },
  ],
  Cropping1D: [
    {
      what: 'one from each end (the default)',
      make: (o) => new Cropping1D({ ...o }),
      positional: (...e) => Reflect.construct(Cropping1D, [[1, 1], {}, ...e]),
      input: [4, 2],
    },
  ],
  Cropping2D: [
    {
      what: '[rows, cols] from both sides',
      make: (o) => new Cropping2D([1, 0], { ...o }),
      positional: (...e) => Reflect.construct(Cropping2D, [[1, 0], {}, ...e]),
      input: [4, 3, 2],
    },
  ],
  RepeatVector: [
    {
      what: 'three times',
      make: (o) => new RepeatVector(3, { ...o }),
      positional: (...e) => Reflect.construct(RepeatVector, [3, {}, ...e]),
      input: [4],
    },
  ],
  Permute: [
    {
      what: 'the sample axes reversed',
      make: (o) => new Permute([3, 1, 2], { ...o }),
      positional: (...e) => Reflect.construct(Permute, [[3, 1, 2], {}, ...e]),
      input: [2, 3, 4],
    },
  ],
};
