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
 * A layer's parameter: a named slot whose tensor is replaced (not mutated) by each training
 * step. Layers read `value` when called; training substitutes the step's traced tensors.
 */
export class Weight {
  readonly regularizer?: Regularizer;
  readonly constraint?: Constraint;
  private readonly owner?: { readonly trainable: boolean };
  private ownTrainable: boolean;

  constructor(
    /** Unique within a model: `${layer.name}/${name}`, e.g. `dense_1/kernel`. */
    readonly name: string,
    public value: Tensor,
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

  get shape(): readonly number[] {
    return this.value.shape;
  }

  /** Replaces the value, disposing the old one. */
  assign(next: Tensor): void {
    if (next === this.value) return;
    const old = this.value;
    this.value = next;
    old.dispose();
  }
}
