// The normalization layers: each module registers its classes with registerLayer and is exported here.
export type { AffineArgs } from './affine.js';
export { BatchNormalization, type BatchNormalizationArgs } from './batch-normalization.js';
export { LayerNormalization, type LayerNormalizationArgs } from './layer-normalization.js';
