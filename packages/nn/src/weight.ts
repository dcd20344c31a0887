import type { Tensor } from '@nabla/core';
import type { Regularizer } from './regularizers.js';

/**
 * A layer's parameter: a named slot whose tensor is replaced (not mutated) by each training
 * step. Layers read `value` when called; training substitutes the step's traced tensors.
 */
export class Weight {
  constructor(
    /** Unique within a model: `${layer.name}/${name}`, e.g. `dense_1/kernel`. */
    readonly name: string,
    public value: Tensor,
    readonly trainable: boolean,
    readonly regularizer?: Regularizer,
  ) {}

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
