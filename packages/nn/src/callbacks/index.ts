export {
  Callback,
  CallbackList,
  CustomCallback,
  type CustomCallbackArgs,
  type Logs,
  type TrainingModel,
  type TrainParams,
} from './callback.js';
export { CSVLogger, type CSVLoggerArgs } from './csv-logger.js';
export { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
export { History } from './history.js';
export { LearningRateScheduler, ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './learning-rate.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './model-checkpoint.js';
export { ProgbarLogger, type ProgressOutput } from './progress.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
