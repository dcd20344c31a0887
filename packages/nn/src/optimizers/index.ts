import * as nb from '@nabla/core';
import { unknownName } from '../options.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { fmt, type LearningRateSchedule, Optimizer, type SerializedSchedule } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { scheduleFromConfig } from './schedules.js';
import { SGD } from './sgd.js';

export { Adagrad, type AdagradConfig } from './adagrad.js';
export { Adam, type AdamConfig, AdamW, type AdamWConfig } from './adam.js';
export {
  FLAT_SLOT_LIMIT,
  type LearningRateSchedule,
  Optimizer,
  type OptimizerConfig,
  type SerializedSchedule,
  type SlotGroup,
  type Slots,
  type StepScalars,
} from './optimizer.js';
export { RMSprop, type RMSpropConfig } from './rmsprop.js';
export {
  type CosineDecayConfig,
  cosineDecay,
  type ExponentialDecayConfig,
  exponentialDecay,
  type InverseTimeDecayConfig,
  inverseTimeDecay,
  type PiecewiseConstantDecayConfig,
  piecewiseConstantDecay,
  scheduleFromConfig,
} from './schedules.js';
export { SGD, type SGDConfig } from './sgd.js';

// Each constructor validates its own config, so an untyped saved config is checked there.
type Make = (config: Record<string, unknown>) => Optimizer;
const BY_CLASS: Record<string, Make> = {
  SGD: (c) => new SGD(c),
  Adam: (c) => new Adam(c),
  AdamW: (c) => new AdamW(c),
  RMSprop: (c) => new RMSprop(c),
  Adagrad: (c) => new Adagrad(c),
};
const BY_NAME: Record<string, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad' };

/** An optimizer by name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', any case) with its defaults, or the optimizer itself. */
export function getOptimizer(identifier: string | Optimizer, ...extra: unknown[]): Optimizer {
  nb.checkArity('getOptimizer', [identifier, ...extra], 1);
  if (identifier instanceof Optimizer) return identifier;
  const cls =
    typeof identifier === 'string' && Object.hasOwn(BY_NAME, identifier.toLowerCase()) ? BY_NAME[identifier.toLowerCase()] : undefined;
  if (cls === undefined) throw unknownName('getOptimizer', 'optimizer', identifier, Object.keys(BY_NAME));
  return BY_CLASS[cls]({});
}

/** Rebuilds an optimizer from `{ className: o.className, config: o.getConfig() }`, schedules included. */
export function optimizerFromConfig(serialized: { className: string; config: Record<string, unknown> }, ...extra: unknown[]): Optimizer {
  nb.checkArity('optimizerFromConfig', [serialized, ...extra], 1);
  const make = Object.hasOwn(BY_CLASS, serialized?.className) ? BY_CLASS[serialized.className] : undefined;
  if (make === undefined) {
    throw new nb.NablaError(
      `optimizerFromConfig: unknown optimizer class ${fmt(serialized?.className)}; known: ${Object.keys(BY_CLASS).join(', ')}`,
    );
  }
  const config = { ...(serialized.config ?? {}) };
  const lr = config.learningRate;
  if (typeof lr === 'object' && lr !== null) config.learningRate = scheduleFromConfig(lr as SerializedSchedule);
  return make(config as { learningRate?: number | LearningRateSchedule });
}
