import * as nb from '@nabla/core';
import { type Constraint, getConstraint, type SerializedConstraint, serializeConstraint } from '../constraints.js';
import { getInitializer, type Initializer, type SerializedInitializer, serializeInitializer } from '../initializers.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../regularizers.js';
import type { AddWeightOptions } from './layer.js';

type Identifier<T, S> = string | T | S;

/**
 * A weight's initializer, regularizer and constraint as a layer's options name them after the
 * weight (`kernelInitializer`, `depthwiseRegularizer`, `pointwiseConstraint`): read once from
 * the options, handed to addWeight, and written back to the config under the same keys.
 */
export class WeightSpec {
  private constructor(
    private readonly prefix: string,
    readonly initializer: Initializer,
    readonly regularizer?: Regularizer,
    readonly constraint?: Constraint,
  ) {}

  /** The schema entries of the three options for `prefix`. */
  static schema(prefix: string): nb.OptionSchema {
    const nameOrObject = nb.is.either(nb.is.string, nb.is.object);
    return { [`${prefix}Initializer`]: nameOrObject, [`${prefix}Regularizer`]: nameOrObject, [`${prefix}Constraint`]: nameOrObject };
  }

  static read(options: object, prefix: string, initializer: string): WeightSpec {
    const o = options as Record<string, unknown>;
    const init = o[`${prefix}Initializer`] as Identifier<Initializer, SerializedInitializer> | undefined;
    const reg = o[`${prefix}Regularizer`] as Identifier<Regularizer, SerializedRegularizer> | undefined;
    const con = o[`${prefix}Constraint`] as Identifier<Constraint, SerializedConstraint> | undefined;
    return new WeightSpec(
      prefix,
      getInitializer(init ?? initializer),
      reg === undefined ? undefined : getRegularizer(reg),
      con === undefined ? undefined : getConstraint(con),
    );
  }

  /** What addWeight takes. */
  get options(): AddWeightOptions {
    return { initializer: this.initializer, regularizer: this.regularizer, constraint: this.constraint };
  }

  /** The three options for getConfig (regularizer and constraint undefined when unset). */
  config(): Record<string, unknown> {
    return {
      [`${this.prefix}Initializer`]: serializeInitializer(this.initializer),
      [`${this.prefix}Regularizer`]: this.regularizer ? serializeRegularizer(this.regularizer) : undefined,
      [`${this.prefix}Constraint`]: this.constraint ? serializeConstraint(this.constraint) : undefined,
    };
  }
}
