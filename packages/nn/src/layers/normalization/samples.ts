import type { LayerSample } from '../samples.js';
import { BatchNormalization } from './batch-normalization.js';
import { LayerNormalization } from './layer-normalization.js';

/** Samples of the normalization layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {
  BatchNormalization: [
    {
      what: 'training: batch statistics over batch and time',
      make: (o) => new BatchNormalization({ gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal', ...o }),
      positional: (...e) => Reflect.construct(BatchNormalization, [{}, ...e]),
      input: [4, 3],
      training: true,
    },
    {
      what: 'inference: moving statistics, feature axis 1 (not the last), no center',
      make: (o) =>
        new BatchNormalization({
          axis: 1,
          center: false,
          gammaInitializer: 'randomNormal',
          movingMeanInitializer: 'randomNormal',
          movingVarianceInitializer: { className: 'RandomUniform', config: { minval: 0.5, maxval: 2 } },
          ...o,
        }),
      positional: (...e) => Reflect.construct(BatchNormalization, [{ axis: 1 }, ...e]),
      input: [3, 2],
    },
  ],
  LayerNormalization: [
    {
      what: 'the last axis',
      make: (o) => new LayerNormalization({ gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal', ...o }),
      positional: (...e) => Reflect.construct(LayerNormalization, [{}, ...e]),
      input: [3, 4],
    },
    {
      what: 'two axes (a list), no scale',
      make: (o) => new LayerNormalization({ axis: [1, -1], scale: false, betaInitializer: 'randomNormal', ...o }),
      positional: (...e) => Reflect.construct(LayerNormalization, [{ axis: [1, 2] }, ...e]),
      input: [2, 3],
    },
  ],
};
