import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { type ConfigEntry, checkConfig, fromIdentifier, nameLookup, numberOrOptions } from './options.js';

/**
 * Weight penalties with Keras semantics: l1 * sum(|w|) + l2 * sum(w^2), a scalar of the weight's
 * dtype that a layer adds to the loss.
 */
export interface Regularizer {
  readonly className: string;
  /** The scalar penalty for one weight. */
  apply(weight: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** A regularizer as JSON: what `serializeRegularizer` writes and `getRegularizer` reads. */
export interface SerializedRegularizer {
  className: string;
  config: Record<string, unknown>;
}

function checkFactor(op: string, key: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new nb.NablaError(`${op}: ${key} must be a non-negative finite number, got ${String(value)}`);
  }
  return value;
}

function penalty(op: string, weight: Tensor, l1: number, l2: number): Tensor {
  if (!(weight instanceof nb.Tensor)) throw new nb.NablaError(`${op}: expected a tensor, got ${weight === null ? 'null' : typeof weight}`);
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') {
    throw new nb.NablaError(`${op}: weight must be float32 or float64, got ${weight.dtype}`);
  }
  // tidy: only the penalty is the caller's; the backward pass can still read the intermediates.
  return nb.tidy(() => {
    const terms: Tensor[] = [];
    if (l1) terms.push(nb.mul(nb.sum(nb.abs(weight)), l1));
    if (l2) terms.push(nb.mul(nb.sum(nb.square(weight)), l2));
    if (terms.length === 0) return nb.scalar(0, weight.dtype);
    return terms.length === 1 ? terms[0] : nb.add(terms[0], terms[1]);
  });
}

export interface L1Options {
  l1?: number;
}
export interface L2Options {
  l2?: number;
}
export interface L1L2Options {
  l1?: number;
  l2?: number;
}

/** l1 * sum(|w|). */
export class L1 implements Regularizer {
  readonly className: string = 'L1';
  readonly l1: number;
  /** `l1({ l1: 0.01 })`, or Keras's `L1(0.01)`. */
  constructor(opts: L1Options | number = {}, ...extra: unknown[]) {
    const o = checkConfig('l1', numberOrOptions<L1Options>('l1', [opts, ...extra], 'l1'), { l1: nb.is.any });
    this.l1 = checkFactor('l1', 'l1', o.l1 ?? 0.01);
  }
  apply(weight: Tensor, ...extra: unknown[]): Tensor {
    nb.checkArity('l1.apply', [weight, ...extra], 1);
    return penalty('l1', weight, this.l1, 0);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** l2 * sum(w^2) (no factor 1/2, as Keras). */
export class L2 implements Regularizer {
  readonly className: string = 'L2';
  readonly l2: number;
  /** `l2({ l2: 0.01 })`, or Keras's `L2(0.01)`. */
  constructor(opts: L2Options | number = {}, ...extra: unknown[]) {
    const o = checkConfig('l2', numberOrOptions<L2Options>('l2', [opts, ...extra], 'l2'), { l2: nb.is.any });
    this.l2 = checkFactor('l2', 'l2', o.l2 ?? 0.01);
  }
  apply(weight: Tensor, ...extra: unknown[]): Tensor {
    nb.checkArity('l2.apply', [weight, ...extra], 1);
    return penalty('l2', weight, 0, this.l2);
  }
  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/** l1 * sum(|w|) + l2 * sum(w^2). */
export class L1L2 implements Regularizer {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  /** `l1l2({ l1, l2 })`, or Keras's positional `L1L2(l1, l2)`. */
  constructor(opts: L1L2Options | number = {}, l2?: number, ...extra: unknown[]) {
    nb.checkArity('l1l2', [opts, l2, ...extra], 2);
    if (typeof opts !== 'number' && l2 !== undefined) throw new nb.NablaError('l1l2: give l2 in the options: l1l2({ l1, l2 })');
    const o = checkConfig('l1l2', typeof opts === 'number' ? { l1: opts, l2 } : opts, { l1: nb.is.any, l2: nb.is.any });
    this.l1 = checkFactor('l1l2', 'l1', o.l1 ?? 0.01);
    this.l2 = checkFactor('l1l2', 'l2', o.l2 ?? 0.01);
  }
  apply(weight: Tensor, ...extra: unknown[]): Tensor {
    nb.checkArity('l1l2.apply', [weight, ...extra], 1);
    return penalty('l1l2', weight, this.l1, this.l2);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export const l1 = (opts: L1Options | number = {}, ...extra: unknown[]): Regularizer => new L1(opts, ...extra);
export const l2 = (opts: L2Options | number = {}, ...extra: unknown[]): Regularizer => new L2(opts, ...extra);
export const l1l2 = (opts: L1L2Options | number = {}, l2?: number, ...extra: unknown[]): Regularizer => new L1L2(opts, l2, ...extra);

/** 'l1l2', Keras's 'l1_l2' and the class name 'L1L2' are one name. */
const lookup = nameLookup<ConfigEntry<Regularizer>>(
  'getRegularizer',
  'regularizer',
  {
    l1: { keys: ['l1'], make: (c) => new L1({ l1: c.l1 as number | undefined }) },
    l2: { keys: ['l2'], make: (c) => new L2({ l2: c.l2 as number | undefined }) },
    l1l2: { keys: ['l1', 'l2'], make: (c) => new L1L2({ l1: c.l1 as number | undefined, l2: c.l2 as number | undefined }) },
  },
  ['l1', 'l2', 'l1l2', 'l1_l2'],
);

/**
 * A regularizer from a name ('l1', 'l2', 'l1l2' or 'l1_l2', with default factors 0.01), an
 * instance (returned as is), or a `{ className, config }` object as `serializeRegularizer`
 * writes it.
 */
export function getRegularizer(identifier: string | Regularizer | SerializedRegularizer, ...extra: unknown[]): Regularizer {
  nb.checkArity('getRegularizer', [identifier, ...extra], 1);
  return fromIdentifier('getRegularizer', 'a Regularizer', identifier, lookup);
}

export function serializeRegularizer(regularizer: Regularizer, ...extra: unknown[]): SerializedRegularizer {
  nb.checkArity('serializeRegularizer', [regularizer, ...extra], 1);
  return { className: regularizer.className, config: regularizer.getConfig() };
}
