import type { LayerSample } from '../samples.js';

/** Samples of the reshaping layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {};
