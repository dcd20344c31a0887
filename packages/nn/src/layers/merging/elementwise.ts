import * as nb from '@nabla/core';
import type { Mask, Shapes } from '../layer.js';
import { registerLayer } from '../registry.js';
import { inputList, Merge, maskFor } from './merge.js';

/** The sum of the inputs (Keras's Add). */
export class Add extends Merge {
  override get className(): string {
    return 'Add';
  }
  protected override merge(xs: nb.Tensor[]): nb.Tensor {
    return xs.reduce((a, b) => nb.add(a, b));
  }
}

/** inputs[0] - inputs[1]: exactly two inputs (Keras's Subtract). */
export class Subtract extends Merge {
  override get className(): string {
    return 'Subtract';
  }
  override build(inputShape: Shapes): void {
    const shapes = inputList(this.name, inputShape);
    if (shapes.length !== 2) throw new nb.NablaError(`${this.name}: Subtract is called on exactly 2 inputs, got ${shapes.length}`);
    super.build(inputShape);
  }
  protected override merge(xs: nb.Tensor[]): nb.Tensor {
    return nb.sub(xs[0], xs[1]);
  }
}

/** The mean of the inputs (Keras's Average). */
export class Average extends Merge {
  override get className(): string {
    return 'Average';
  }
  protected override merge(xs: nb.Tensor[]): nb.Tensor {
    return nb.div(
      xs.reduce((a, b) => nb.add(a, b)),
      xs.length,
    );
  }
}

/**
 * The product of the inputs (Keras's Multiply). As Keras 3, a masked position of an input
 * counts as 1; when every input has a mask, positions masked in all of them are 0.
 */
export class Multiply extends Merge {
  override get className(): string {
    return 'Multiply';
  }
  protected override merge(xs: nb.Tensor[], masks: Mask[] | null): nb.Tensor {
    if (masks === null) return xs.reduce((a, b) => nb.mul(a, b));
    const fitted = masks.map((m, i) => (m === null ? null : maskFor(this.name, m, xs[i])));
    const out = xs.map((x, i) => (fitted[i] === null ? x : nb.where(fitted[i] as nb.Tensor, x, 1))).reduce((a, b) => nb.mul(a, b));
    if (fitted.some((m) => m === null)) return out;
    return nb.where(
      (fitted as nb.Tensor[]).reduce((a, b) => nb.logicalOr(a, b)),
      out,
      0,
    );
  }
}

/**
 * Keras 3's elementwise maximum or minimum under masks: a masked position of an input takes
 * the value merged so far (or the next input's), so padding never wins.
 */
function maskedReduce(layer: string, op: (a: nb.Tensor, b: nb.Tensor) => nb.Tensor, xs: nb.Tensor[], masks: Mask[] | null): nb.Tensor {
  if (masks === null) return xs.reduce((a, b) => op(a, b));
  let out = xs[0];
  let outMask: nb.Tensor | null = masks[0] === null ? null : maskFor(layer, masks[0], xs[0]);
  for (let i = 1; i < xs.length; i++) {
    let x = xs[i];
    const mask = masks[i] === null ? null : maskFor(layer, masks[i] as nb.Tensor, x);
    if (mask !== null) x = nb.where(mask, x, out);
    if (outMask !== null) out = nb.where(outMask, out, x);
    outMask = mask !== null && outMask !== null ? nb.logicalOr(outMask, mask) : null;
    out = op(out, x);
  }
  return out;
}

/** The elementwise maximum of the inputs (Keras's Maximum). */
export class Maximum extends Merge {
  override get className(): string {
    return 'Maximum';
  }
  protected override merge(xs: nb.Tensor[], masks: Mask[] | null): nb.Tensor {
    return maskedReduce(this.name, nb.maximum, xs, masks);
  }
}

/** The elementwise minimum of the inputs (Keras's Minimum). */
export class Minimum extends Merge {
  override get className(): string {
    return 'Minimum';
  }
  protected override merge(xs: nb.Tensor[], masks: Mask[] | null): nb.Tensor {
    return maskedReduce(this.name, nb.minimum, xs, masks);
  }
}

registerLayer('Add', Add);
registerLayer('Subtract', Subtract);
registerLayer('Average', Average);
registerLayer('Multiply', Multiply);
registerLayer('Maximum', Maximum);
registerLayer('Minimum', Minimum);
