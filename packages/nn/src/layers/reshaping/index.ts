// The reshaping layers: each module registers its classes with registerLayer and is exported here.
export { Cropping1D, type Cropping1DArgs, Cropping2D, type Cropping2DArgs } from './cropping.js';
export { Permute, type PermuteArgs } from './permute.js';
export { RepeatVector, type RepeatVectorArgs } from './repeat-vector.js';
export { UpSampling1D, type UpSampling1DArgs, UpSampling2D, type UpSampling2DArgs } from './up-sampling.js';
export { ZeroPadding1D, type ZeroPadding1DArgs, ZeroPadding2D, type ZeroPadding2DArgs } from './zero-padding.js';
