import * as nb from '@nabla/core';
import { type CallContext, Layer, type LayerArgs, type LayerShape, type Mask, type Masks, type Shapes, type Tensors } from '../layer.js';

function show(s: readonly (number | null)[]): string {
  return `[null,${s.map((d) => d ?? 'null').join(',')}]`;
}

/** The input shapes of a merging layer: a list of at least one, else an error naming the layer. */
export function inputList(layer: string, inputShape: Shapes): LayerShape[] {
  if (inputShape.length === 0 || !inputShape.every((s) => Array.isArray(s))) {
    throw new nb.NablaError(
      `${layer}: a merging layer is called on a list of inputs, got one input of shape ${show(inputShape as LayerShape)}`,
    );
  }
  return inputShape as LayerShape[];
}

/**
 * The broadcast of sample shapes (batch axis excluded), aligned from the last axis as Keras 3's
 * merges align them: a sample of lower rank gains leading ones after the batch axis. null (an
 * unknown size) broadcasts to null.
 */
export function broadcastSamples(layer: string, shapes: LayerShape[]): LayerShape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: LayerShape = new Array(rank).fill(1);
  for (const s of shapes) {
    s.forEach((d, i) => {
      const k = rank - s.length + i;
      const o = out[k];
      if (d === 1) return;
      if (o === 1) out[k] = d;
      else if (o === null || d === null) out[k] = null;
      else if (o !== d) throw new nb.NablaError(`${layer}: inputs have incompatible shapes ${shapes.map(show).join(', ')}`);
    });
  }
  return out;
}

/** The inputs' masks as a list, one per input, or null when the layer got none. */
export function maskList(layer: string, mask: Masks | undefined, n: number): Mask[] | null {
  if (mask === undefined || mask === null) return null;
  if (!Array.isArray(mask) || mask.length !== n) {
    throw new nb.NablaError(`${layer}: expected ${n} masks, one per input, got ${Array.isArray(mask) ? mask.length : 'one'}`);
  }
  return mask;
}

/** A [batch, time] mask with trailing ones up to x's rank, so that it broadcasts against x. */
export function maskFor(layer: string, mask: nb.Tensor, x: nb.Tensor): nb.Tensor {
  if (mask.rank > x.rank) throw new nb.NablaError(`${layer}: a mask of shape [${mask.shape}] does not fit an input of shape [${x.shape}]`);
  return nb.reshape(mask, [...mask.shape, ...new Array(x.rank - mask.rank).fill(1)]);
}

/**
 * The base of the elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum), as
 * Keras 3's Merge: called on a list of inputs of the same batch size whose samples broadcast
 * (a lower-rank sample gains ones after the batch axis). The output's mask is the OR of the
 * inputs' masks when every input has one, else none.
 */
export abstract class Merge extends Layer<nb.Tensor> {
  constructor(args: LayerArgs = {}, ...extra: unknown[]) {
    // className is a getter on the prototype, readable before super().
    nb.checkArity(Reflect.get(new.target.prototype, 'className') as string, [args, ...extra], 1);
    super(args);
  }

  /** The layer's function of the rank-aligned inputs and their masks (null: no masks). */
  protected abstract merge(xs: nb.Tensor[], masks: Mask[] | null): nb.Tensor;

  override build(inputShape: Shapes): void {
    broadcastSamples(this.name, inputList(this.name, inputShape));
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shapes): LayerShape {
    return broadcastSamples(this.name, inputList(this.name, inputShape));
  }

  override call(inputs: Tensors, ctx: CallContext): nb.Tensor {
    const xs = inputs as nb.Tensor[];
    const rank = Math.max(...xs.map((x) => x.rank));
    const aligned = xs.map((x) =>
      x.rank === rank ? x : nb.reshape(x, [x.shape[0], ...new Array(rank - x.rank).fill(1), ...x.shape.slice(1)]),
    );
    return this.merge(aligned, maskList(this.name, ctx.mask, xs.length));
  }

  override computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    const masks = Array.isArray(mask) ? mask : null;
    if (masks === null || masks.length === 0 || masks.some((m) => m === null)) return null;
    return (masks as nb.Tensor[]).reduce((a, b) => nb.logicalOr(a, b));
  }
}
