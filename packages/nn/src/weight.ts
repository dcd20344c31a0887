import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import type { Constraint } from './constraints.js';
import type { Regularizer } from './regularizers.js';

export interface WeightOptions {
  /** Whether fit updates this weight (default true); see `Weight.trainable`. */
  trainable?: boolean;
  /** A penalty on the value, added to the loss. */
  regularizer?: Regularizer;
  /** A projection applied after every optimizer update (Keras's kernel_constraint). */
  constraint?: Constraint;
  /** The layer that owns the weight: its `trainable` flag governs the weight too. */
  owner?: { readonly trainable: boolean };
}

/**
 * Values that stand in for weights while a function runs (Keras 3's StatelessScope): the
 * compiled training step runs the layers with its traced tensors in place of the weights'
 * stored values, and collects what layers `assign` (BatchNormalization's moving statistics) as
 * the step's outputs instead of changing the weights. Nothing is mutated, so an error mid-step
 * leaves every weight as it was.
 */
interface Scope {
  lookup: (w: Weight) => Tensor | undefined;
  updates: Map<Weight, Tensor>;
}
const scopes: Scope[] = [];

/**
 * Runs `fn` with `lookup(w)` (when defined) read as each weight's value; returns fn's result and
 * the values layers assigned meanwhile, by weight. The weights themselves do not change.
 */
export function withWeightValues<T>(
  lookup: (w: Weight) => Tensor | undefined,
  fn: () => T,
  ...extra: unknown[]
): { result: T; updates: Map<Weight, Tensor> } {
  nb.checkArity('withWeightValues', [lookup, fn, ...extra], 2);
  nb.checkArg('withWeightValues', 'lookup', lookup, nb.is.function);
  nb.checkArg('withWeightValues', 'fn', fn, nb.is.function);
  const scope: Scope = { lookup, updates: new Map() };
  scopes.push(scope);
  try {
    return { result: fn(), updates: scope.updates };
  } finally {
    scopes.pop();
  }
}

/**
 * A layer's parameter or state: a named slot whose tensor is replaced (not mutated) by each
 * training step. Layers read `value` when called; training substitutes the step's traced tensors
 * (see withWeightValues).
 */
export class Weight {
  readonly regularizer?: Regularizer;
  readonly constraint?: Constraint;
  private readonly owner?: { readonly trainable: boolean };
  private ownTrainable: boolean;
  private stored: Tensor;

  constructor(
    /** Unique within a model: `${layer.name}/${name}`, e.g. `dense_1/kernel`. */
    readonly name: string,
    value: Tensor,
    options: WeightOptions = {},
    ...extra: unknown[]
  ) {
    nb.checkArity('Weight', [name, value, options, ...extra], 3);
    const o = nb.checkOptions('Weight', options, {
      trainable: nb.is.boolean,
      regularizer: nb.is.object,
      constraint: nb.is.object,
      owner: nb.is.object,
    });
    this.stored = value;
    this.ownTrainable = o.trainable ?? true;
    this.regularizer = o.regularizer;
    this.constraint = o.constraint;
    this.owner = o.owner;
  }

  /**
   * Whether fit updates this weight: its own flag and its layer's, read when fit starts. As in
   * Keras, freezing a layer (`layer.trainable = false`) freezes its weights; fit then neither
   * updates them nor keeps optimizer state for them.
   */
  get trainable(): boolean {
    return this.ownTrainable && (this.owner?.trainable ?? true);
  }
  set trainable(v: boolean) {
    nb.checkArg('Weight.trainable', 'trainable', v, nb.is.boolean, false);
    this.ownTrainable = v;
  }

  /** The current value: the innermost withWeightValues' (an assigned one first), else the stored one. */
  get value(): Tensor {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const s = scopes[i];
      const v = s.updates.get(this) ?? s.lookup(this);
      if (v !== undefined) return v;
    }
    return this.stored;
  }

  get shape(): readonly number[] {
    return this.stored.shape;
  }

  get dtype(): Tensor['dtype'] {
    return this.stored.dtype;
  }

  /**
   * Replaces the value. Inside withWeightValues (a training step) the new value is recorded as
   * the step's update and read by the rest of the step; otherwise it is stored, and the old
   * value disposed. The shape cannot change.
   */
  assign(next: Tensor): void {
    if (!(next instanceof nb.Tensor)) throw new nb.NablaError(`${this.name}.assign: expected a tensor, got ${nb.describe(next)}`);
    if (!nb.shapesEqual(next.shape, this.stored.shape)) {
      throw new nb.NablaError(`${this.name}.assign: shape [${next.shape}] differs from the weight's [${this.stored.shape}]`);
    }
    const scope = scopes[scopes.length - 1];
    if (scope) {
      scope.updates.set(this, next);
      return;
    }
    if (next === this.stored) return;
    const old = this.stored;
    // Kept: an assignment inside nb.tidy (a layer's call outside training) must outlive the tidy.
    this.stored = nb.keep(next);
    old.dispose();
  }
}
