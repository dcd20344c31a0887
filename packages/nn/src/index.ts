/**
 * @nabla/nn: the Keras-like API. Layers, Sequential models with compile/fit/evaluate/predict,
 * losses, metrics, optimizers, callbacks, initializers, regularizers; save and load.
 * It runs on whichever backend @nabla/core has selected.
 */
export * from './activations.js';
export * from './callbacks/index.js';
export * from './constraints.js';
export * as data from './data/index.js';
export { type Distributed, type LocalGroupOptions, type LocalRank, localGroup } from './distributed/index.js';
export * from './initializers.js';
export {
  type CustomObjects,
  type FileLike,
  type LoadOptions,
  loadModel,
  loadWeights,
  type ModelSource,
  removeModel,
  type SaveOptions,
  saveModel,
} from './io/index.js';
export * from './layers/index.js';
export * from './losses.js';
export * from './metrics.js';
export {
  type CompileArgs,
  Model,
  type ModelArgs,
  type ModelData,
  type Outputs,
  type PredictArgs,
  type TrainOnBatchArgs,
} from './models/model.js';
export { Sequential } from './models/sequential.js';
export { type InputArgs, input, SymbolicTensor } from './models/symbolic.js';
export * from './optimizers/index.js';
export * from './regularizers.js';
export type { ClassWeight } from './training/class-weight.js';
export type { EvaluateArgs, FitArgs } from './training/fit.js';
export { Weight, type WeightOptions, withWeightValues } from './weight.js';
