import * as nb from '@nabla/core';
import { checkConfig } from '../options.js';
import { checkBoolean, checkNonNegative, checkPositive, fmt, type LearningRateSchedule, type SerializedSchedule } from './optimizer.js';

/**
 * Learning rate schedules with Keras's formulas, as plain host functions of the number of
 * completed steps. Each carries `className` and `getConfig()` so an optimizer's config can name it
 * and `scheduleFromConfig` can rebuild it.
 */

function makeSchedule(className: string, config: Record<string, unknown>, fn: (iterations: number) => number): LearningRateSchedule {
  const schedule = (iterations: number): number => fn(iterations);
  return Object.assign(schedule, { className, getConfig: (): Record<string, unknown> => structuredClone(config) });
}

export interface ExponentialDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

const DECAY_OPTIONS: nb.OptionSchema = {
  initialLearningRate: nb.is.any,
  decaySteps: nb.is.any,
  decayRate: nb.is.any,
  staircase: nb.is.any,
};

/** A schedule takes one config object: a second argument is an error, not ignored. */
function oneConfig(op: string, args: ArrayLike<unknown>): void {
  nb.checkArity(op, args, 1);
  if (args[0] === undefined) throw new nb.NablaError(`${op}: needs a config object`);
}

/** The decays of Keras's form f(initialLearningRate, decayRate, p), p = iterations / decaySteps, floored when staircase. */
function decay(
  owner: string,
  className: string,
  config: ExponentialDecayConfig,
  checkRate: typeof checkPositive,
  f: (initialLearningRate: number, decayRate: number, p: number) => number,
): LearningRateSchedule {
  checkConfig(owner, config, DECAY_OPTIONS);
  const initialLearningRate = checkPositive(owner, 'initialLearningRate', config.initialLearningRate);
  const decaySteps = checkPositive(owner, 'decaySteps', config.decaySteps);
  const decayRate = checkRate(owner, 'decayRate', config.decayRate);
  const staircase = checkBoolean(owner, 'staircase', config.staircase ?? false);
  return makeSchedule(className, { initialLearningRate, decaySteps, decayRate, staircase }, (it) =>
    f(initialLearningRate, decayRate, staircase ? Math.floor(it / decaySteps) : it / decaySteps),
  );
}

/** initialLearningRate * decayRate ^ (iterations / decaySteps), the exponent floored when staircase. */
export function exponentialDecay(config: ExponentialDecayConfig, ...extra: unknown[]): LearningRateSchedule {
  oneConfig('exponentialDecay', [config, ...extra]);
  return decay('exponentialDecay', 'ExponentialDecay', config, checkPositive, (lr, rate, p) => lr * rate ** p);
}

export interface PiecewiseConstantDecayConfig {
  boundaries: number[];
  values: number[];
}

/** values[0] while iterations <= boundaries[0], values[i] while boundaries[i-1] < iterations <= boundaries[i], then the last value. */
export function piecewiseConstantDecay(config: PiecewiseConstantDecayConfig, ...extra: unknown[]): LearningRateSchedule {
  const owner = 'piecewiseConstantDecay';
  oneConfig(owner, [config, ...extra]);
  checkConfig(owner, config, { boundaries: nb.is.any, values: nb.is.any });
  const { boundaries, values } = config;
  if (!Array.isArray(boundaries) || !boundaries.every((b) => typeof b === 'number' && Number.isFinite(b))) {
    throw new nb.NablaError(`${owner}: boundaries must be an array of finite numbers, got ${fmt(boundaries)}`);
  }
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new nb.NablaError(`${owner}: values must be an array of finite numbers, got ${fmt(values)}`);
  }
  if (values.length !== boundaries.length + 1) {
    throw new nb.NablaError(
      `${owner}: values must have one more element than boundaries, got ${values.length} values and ${boundaries.length} boundaries`,
    );
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!(boundaries[i] > boundaries[i - 1])) throw new nb.NablaError(`${owner}: boundaries must be increasing, got ${fmt(boundaries)}`);
  }
  const b = [...boundaries];
  const v = [...values];
  return makeSchedule('PiecewiseConstantDecay', { boundaries: b, values: v }, (it) => {
    for (let i = 0; i < b.length; i++) if (it <= b[i]) return v[i];
    return v[b.length];
  });
}

export type InverseTimeDecayConfig = ExponentialDecayConfig;

/** initialLearningRate / (1 + decayRate * iterations / decaySteps), the ratio floored when staircase. */
export function inverseTimeDecay(config: InverseTimeDecayConfig, ...extra: unknown[]): LearningRateSchedule {
  oneConfig('inverseTimeDecay', [config, ...extra]);
  return decay('inverseTimeDecay', 'InverseTimeDecay', config, checkNonNegative, (lr, rate, p) => lr / (1 + rate * p));
}

export interface CosineDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  /** The floor, as a fraction of initialLearningRate. */
  alpha?: number;
}

/**
 * initialLearningRate * ((1 - alpha) * 0.5 * (1 + cos(pi * min(iterations, decaySteps) / decaySteps)) + alpha):
 * from the initial rate down to alpha times it, then constant.
 */
export function cosineDecay(config: CosineDecayConfig, ...extra: unknown[]): LearningRateSchedule {
  const owner = 'cosineDecay';
  oneConfig(owner, [config, ...extra]);
  checkConfig(owner, config, { initialLearningRate: nb.is.any, decaySteps: nb.is.any, alpha: nb.is.any });
  const initialLearningRate = checkPositive(owner, 'initialLearningRate', config.initialLearningRate);
  const decaySteps = checkPositive(owner, 'decaySteps', config.decaySteps);
  const alpha = config.alpha ?? 0;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw new nb.NablaError(`${owner}: alpha must be in [0, 1], got ${fmt(alpha)}`);
  return makeSchedule('CosineDecay', { initialLearningRate, decaySteps, alpha }, (it) => {
    const t = Math.min(it, decaySteps) / decaySteps;
    return initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  });
}

const SCHEDULES: Record<string, (config: never) => LearningRateSchedule> = {
  ExponentialDecay: exponentialDecay,
  PiecewiseConstantDecay: piecewiseConstantDecay,
  InverseTimeDecay: inverseTimeDecay,
  CosineDecay: cosineDecay,
};

/** Rebuilds a built-in schedule from `{ className, config }` (what an optimizer's getConfig stores). */
export function scheduleFromConfig(serialized: SerializedSchedule, ...extra: unknown[]): LearningRateSchedule {
  nb.checkArity('scheduleFromConfig', [serialized, ...extra], 1);
  const make = Object.hasOwn(SCHEDULES, serialized?.className) ? SCHEDULES[serialized.className] : undefined;
  if (make === undefined) {
    throw new nb.NablaError(
      `scheduleFromConfig: unknown schedule ${fmt(serialized?.className)}; known: ${Object.keys(SCHEDULES).join(', ')}`,
    );
  }
  return make((serialized.config ?? {}) as never);
}
