import * as nb from '@nabla/core';
import { type Constraint, getConstraint, type SerializedConstraint, serializeConstraint } from '../../constraints.js';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import { type Layer, resolveInitializer } from '../layer.js';

/** The learned scale (gamma) and offset (beta) that batch and layer normalization apply after normalizing. */
export interface AffineArgs {
  /** Whether to add the offset beta (default true). */
  center?: boolean;
  /** Whether to multiply by the scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: string | Initializer | SerializedInitializer;
  gammaInitializer?: string | Initializer | SerializedInitializer;
  betaRegularizer?: string | Regularizer | SerializedRegularizer;
  gammaRegularizer?: string | Regularizer | SerializedRegularizer;
  betaConstraint?: string | Constraint | SerializedConstraint;
  gammaConstraint?: string | Constraint | SerializedConstraint;
}

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);

export const AFFINE_OPTIONS: nb.OptionSchema = {
  center: nb.is.boolean,
  scale: nb.is.boolean,
  betaInitializer: nameOrObject,
  gammaInitializer: nameOrObject,
  betaRegularizer: nameOrObject,
  gammaRegularizer: nameOrObject,
  betaConstraint: nameOrObject,
  gammaConstraint: nameOrObject,
};

/** The resolved AffineArgs of a layer: creates gamma and beta, and writes them back into a config. */
export class Affine {
  readonly center: boolean;
  readonly scale: boolean;
  private readonly betaInitializer: Initializer;
  private readonly gammaInitializer: Initializer;
  private readonly betaRegularizer?: Regularizer;
  private readonly gammaRegularizer?: Regularizer;
  private readonly betaConstraint?: Constraint;
  private readonly gammaConstraint?: Constraint;

  constructor(args: AffineArgs) {
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = resolveInitializer(args.betaInitializer, 'zeros');
    this.gammaInitializer = resolveInitializer(args.gammaInitializer, 'ones');
    this.betaRegularizer = args.betaRegularizer === undefined ? undefined : getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = args.gammaRegularizer === undefined ? undefined : getRegularizer(args.gammaRegularizer);
    this.betaConstraint = args.betaConstraint === undefined ? undefined : getConstraint(args.betaConstraint);
    this.gammaConstraint = args.gammaConstraint === undefined ? undefined : getConstraint(args.gammaConstraint);
  }

  /** Adds gamma then beta (Keras's order), each when enabled, of the given shape. */
  addWeights(layer: Layer, shape: number[]): { gamma?: Weight; beta?: Weight } {
    const gamma = this.scale
      ? layer.addWeight('gamma', shape, {
          initializer: this.gammaInitializer,
          regularizer: this.gammaRegularizer,
          constraint: this.gammaConstraint,
        })
      : undefined;
    const beta = this.center
      ? layer.addWeight('beta', shape, {
          initializer: this.betaInitializer,
          regularizer: this.betaRegularizer,
          constraint: this.betaConstraint,
        })
      : undefined;
    return { gamma, beta };
  }

  config(): Record<string, unknown> {
    return {
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaRegularizer: this.betaRegularizer ? serializeRegularizer(this.betaRegularizer) : undefined,
      gammaRegularizer: this.gammaRegularizer ? serializeRegularizer(this.gammaRegularizer) : undefined,
      betaConstraint: this.betaConstraint ? serializeConstraint(this.betaConstraint) : undefined,
      gammaConstraint: this.gammaConstraint ? serializeConstraint(this.gammaConstraint) : undefined,
    };
  }
}

/**
 * Axes given as Keras counts them, the batch axis being 0 and negative axes from the end, for
 * inputs of `sampleRank` dimensions besides the batch: the full-rank indices, sorted. The batch
 * axis cannot be normalized over per feature (its size is unknown when the weights are made).
 */
export function featureAxes(layer: string, axis: number | readonly number[], sampleRank: number): number[] {
  const rank = sampleRank + 1;
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => {
    if (a < -rank || a >= rank)
      throw new nb.NablaError(`${layer}: axis ${a} is out of range for inputs of rank ${rank} (batch axis included)`);
    const k = a < 0 ? a + rank : a;
    if (k === 0) throw new nb.NablaError(`${layer}: axis ${a} is the batch axis; give a feature axis (-1, the last, by default)`);
    return k;
  });
  if (new Set(out).size !== out.length) throw new nb.NablaError(`${layer}: axis [${list.join(',')}] repeats an axis`);
  return out.sort((p, q) => p - q);
}
