import type { LayerSample } from '../samples.js';

/** Samples of the normalization layers for the generic layer tests (see ../samples.ts). */
export const SAMPLES: Record<string, LayerSample[]> = {};
