import { SAMPLES as attention } from './attention/samples.js';
import { SAMPLES as conv } from './conv/samples.js';
import { SAMPLES as core } from './core/samples.js';
import { SAMPLES as embedding } from './embedding/samples.js';
import { SAMPLES as merging } from './merging/samples.js';
import { SAMPLES as normalization } from './normalization/samples.js';
import { SAMPLES as recurrent } from './recurrent/samples.js';
import { SAMPLES as reshaping } from './reshaping/samples.js';
import type { LayerSample } from './samples.js';

/** Every layer family's samples, by class name (test support: see samples.ts). */
export const ALL_SAMPLES: Record<string, LayerSample[]> = {
  ...core,
  ...embedding,
  ...conv,
  ...recurrent,
  ...normalization,
  ...attention,
  ...merging,
  ...reshaping,
};
