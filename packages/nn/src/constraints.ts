import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { checkConfig, nameLookup } from './options.js';

/**
 * Weight constraints with Keras semantics (and TensorFlow.js's, which are the same): a function
 * from a weight's value to its projection, applied to a trainable weight after every optimizer
 * update, inside the compiled training step. Norms are taken along `axis` (for a Dense kernel
 * [in, out], axis 0 constrains each unit's incoming weights) and divided with Keras's
 * epsilon 1e-7 added.
 */
export interface Constraint {
  readonly className: string;
  apply(weight: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** A constraint as JSON: what `serializeConstraint` writes and `getConstraint` reads. */
export interface SerializedConstraint {
  className: string;
  config: Record<string, unknown>;
}

/** Keras's backend epsilon, added to norms before dividing by them. */
const EPSILON = 1e-7;

const axisCheck = nb.is.axis;
const num = nb.is.finite;

function checkWeight(op: string, w: Tensor): void {
  if (!(w instanceof nb.Tensor)) throw new nb.NablaError(`${op}: expected a tensor, got ${nb.describe(w)}`);
}

function normsAlong(w: Tensor, axis: number | number[]): Tensor {
  return nb.sqrt(nb.sum(nb.square(w), { axis, keepDims: true }));
}

export interface MaxNormOptions {
  /** The largest norm allowed (default 2). */
  maxValue?: number;
  /** The axis (or axes) along which norms are taken (default 0). */
  axis?: number | number[];
}

/** Rescales each slice whose norm along `axis` exceeds maxValue down to maxValue: w * clip(n, 0, max) / (eps + n). */
export class MaxNorm implements Constraint {
  readonly className: string = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(opts: MaxNormOptions = {}, ...extra: unknown[]) {
    nb.checkArity('maxNorm', [opts, ...extra], 1);
    const o = checkConfig('maxNorm', opts, { maxValue: num, axis: axisCheck });
    this.maxValue = o.maxValue ?? 2;
    this.axis = o.axis ?? 0;
  }
  apply(w: Tensor): Tensor {
    checkWeight('maxNorm', w);
    return nb.tidy(() => {
      const norms = normsAlong(w, this.axis);
      const desired = nb.clip(norms, 0, this.maxValue);
      return nb.mul(w, nb.div(desired, nb.add(norms, EPSILON)));
    });
  }
  getConfig(): Record<string, unknown> {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Sets negative entries to zero. */
export class NonNeg implements Constraint {
  readonly className: string = 'NonNeg';
  constructor(...extra: unknown[]) {
    nb.checkArity('nonNeg', extra, 0);
  }
  apply(w: Tensor): Tensor {
    checkWeight('nonNeg', w);
    return nb.tidy(() => nb.mul(w, nb.cast(nb.greaterEqual(w, 0), w.dtype)));
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface UnitNormOptions {
  /** The axis (or axes) along which norms are taken (default 0). */
  axis?: number | number[];
}

/** Divides each slice along `axis` by its norm: w / (eps + n). */
export class UnitNorm implements Constraint {
  readonly className: string = 'UnitNorm';
  readonly axis: number | number[];
  constructor(opts: UnitNormOptions = {}, ...extra: unknown[]) {
    nb.checkArity('unitNorm', [opts, ...extra], 1);
    this.axis = checkConfig('unitNorm', opts, { axis: axisCheck }).axis ?? 0;
  }
  apply(w: Tensor): Tensor {
    checkWeight('unitNorm', w);
    return nb.tidy(() => nb.div(w, nb.add(normsAlong(w, this.axis), EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

export interface MinMaxNormOptions {
  /** Default 0. */
  minValue?: number;
  /** Default 1. */
  maxValue?: number;
  /** How far to move toward the clipped norm: 1 all the way (default), 0 not at all. */
  rate?: number;
  /** The axis (or axes) along which norms are taken (default 0). */
  axis?: number | number[];
}

/** Moves each slice's norm into [minValue, maxValue]: w * (rate clip(n, min, max) + (1 - rate) n) / (eps + n). */
export class MinMaxNorm implements Constraint {
  readonly className: string = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(opts: MinMaxNormOptions = {}, ...extra: unknown[]) {
    nb.checkArity('minMaxNorm', [opts, ...extra], 1);
    const o = checkConfig('minMaxNorm', opts, { minValue: num, maxValue: num, rate: num, axis: axisCheck });
    this.minValue = o.minValue ?? 0;
    this.maxValue = o.maxValue ?? 1;
    this.rate = o.rate ?? 1;
    this.axis = o.axis ?? 0;
    if (!(this.minValue <= this.maxValue))
      throw new nb.NablaError(`minMaxNorm: minValue (${this.minValue}) must not exceed maxValue (${this.maxValue})`);
  }
  apply(w: Tensor): Tensor {
    checkWeight('minMaxNorm', w);
    return nb.tidy(() => {
      const norms = normsAlong(w, this.axis);
      const desired = nb.add(nb.mul(nb.clip(norms, this.minValue, this.maxValue), this.rate), nb.mul(norms, 1 - this.rate));
      return nb.mul(w, nb.div(desired, nb.add(norms, EPSILON)));
    });
  }
  getConfig(): Record<string, unknown> {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

// Factories, as TensorFlow.js's `tf.constraints.*`.
export const maxNorm = (opts: MaxNormOptions = {}, ...extra: unknown[]): Constraint => new MaxNorm(opts, ...extra);
export const nonNeg = (...extra: unknown[]): Constraint => new NonNeg(...extra);
export const unitNorm = (opts: UnitNormOptions = {}, ...extra: unknown[]): Constraint => new UnitNorm(opts, ...extra);
export const minMaxNorm = (opts: MinMaxNormOptions = {}, ...extra: unknown[]): Constraint => new MinMaxNorm(opts, ...extra);

const BY_NAME: Record<string, (config: Record<string, unknown>) => Constraint> = {
  maxNorm: (c) => new MaxNorm(c),
  nonNeg: (c) => {
    checkConfig('nonNeg', c, {});
    return new NonNeg();
  },
  unitNorm: (c) => new UnitNorm(c),
  minMaxNorm: (c) => new MinMaxNorm(c),
};

/** 'maxNorm', Keras's 'max_norm' and the class name 'MaxNorm' are one name. */
const lookup = nameLookup('getConstraint', 'constraint', BY_NAME);

function isConstraint(x: object): x is Constraint {
  return typeof (x as { apply?: unknown }).apply === 'function' && typeof (x as { className?: unknown }).className === 'string';
}

/**
 * A constraint from a name ('maxNorm', Keras's 'max_norm', with the defaults), an instance
 * (returned as is), or `{ className, config }` as `serializeConstraint` writes it.
 */
export function getConstraint(identifier: string | Constraint | SerializedConstraint, ...extra: unknown[]): Constraint {
  nb.checkArity('getConstraint', [identifier, ...extra], 1);
  if (typeof identifier === 'string') return lookup(identifier)({});
  if (identifier !== null && typeof identifier === 'object') {
    if (isConstraint(identifier)) return identifier;
    const { className, config } = identifier as Partial<SerializedConstraint>;
    if (typeof className === 'string') {
      const cfg = config ?? {};
      if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
        throw new nb.NablaError(`getConstraint: config of ${className} must be an object, got ${nb.describe(cfg)}`);
      }
      return lookup(className)(cfg);
    }
  }
  throw new nb.NablaError(`getConstraint: expected a name, a Constraint or { className, config }, got ${nb.describe(identifier)}`);
}

export function serializeConstraint(constraint: Constraint, ...extra: unknown[]): SerializedConstraint {
  nb.checkArity('serializeConstraint', [constraint, ...extra], 1);
  return { className: constraint.className, config: constraint.getConfig() };
}
