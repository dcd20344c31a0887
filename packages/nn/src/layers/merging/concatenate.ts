import * as nb from '@nabla/core';
import {
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Masks,
  type Shapes,
  type Tensors,
} from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';
import { inputList } from './merge.js';

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along, counting the batch axis as 0 (default -1, the last). */
  axis?: number;
}

/**
 * Joins a list of inputs along `axis` (Keras's Concatenate); the other sizes must agree. With
 * masks, the output's is each input's mask (all true where an input has none) joined the same
 * way and reduced with OR over the last axis, as Keras 3: [batch, time] masks of inputs joined on
 * the features give their OR; joined on time, they are joined.
 */
export class Concatenate extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, axis: nb.is.any };
  override get className(): string {
    return 'Concatenate';
  }
  readonly axis: number;

  /** `new Concatenate(axis, options)` as Keras, or `new Concatenate({ axis })` as TensorFlow.js; axis -1 by default. */
  constructor(axis?: number | ConcatenateArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [a, rest] = primaryAndArgs<ConcatenateArgs>('Concatenate', 'axis', axis, args, extra);
    super(rest);
    if (a !== undefined && !Number.isInteger(a)) throw new nb.NablaError(`${this.name}: axis must be an integer, got ${nb.describe(a)}`);
    this.axis = (a as number | undefined) ?? -1;
  }

  /** The axis in the full rank (batch axis 0) of inputs of this sample rank. */
  private fullAxis(sampleRank: number): number {
    const rank = sampleRank + 1;
    if (this.axis < -rank || this.axis >= rank) {
      throw new nb.NablaError(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (batch axis included)`);
    }
    const k = this.axis < 0 ? this.axis + rank : this.axis;
    if (k === 0) throw new nb.NablaError(`${this.name}: cannot concatenate along the batch axis`);
    return k;
  }

  override computeOutputShape(inputShape: Shapes): LayerShape {
    const shapes = inputList(this.name, inputShape);
    const show = () => shapes.map((s) => `[null,${s.map((d) => d ?? 'null')}]`).join(', ');
    const rank = shapes[0].length;
    if (shapes.some((s) => s.length !== rank)) throw new nb.NablaError(`${this.name}: inputs must have the same rank, got ${show()}`);
    const k = this.fullAxis(rank) - 1;
    const out = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      s.forEach((d, i) => {
        if (i === k) out[i] = out[i] === null || d === null ? null : (out[i] as number) + d;
        else if (out[i] === null) out[i] = d;
        else if (d !== null && d !== out[i]) {
          throw new nb.NablaError(`${this.name}: inputs must match in every axis but the concatenation axis ${this.axis}, got ${show()}`);
        }
      });
    }
    return out;
  }

  override build(inputShape: Shapes): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensors, _ctx: CallContext): nb.Tensor {
    const xs = inputs as nb.Tensor[];
    return nb.concat(xs, this.fullAxis(xs[0].rank - 1));
  }

  override computeMask(inputs: Tensors, mask: Masks | undefined): Masks {
    const masks = Array.isArray(mask) ? mask : null;
    if (masks === null || masks.every((m) => m === null)) return null;
    const xs = inputs as nb.Tensor[];
    const full = xs.map((x, i) => {
      const m = masks[i];
      if (m === null) return nb.ones(x.shape, 'bool');
      if (m.rank >= x.rank) return m;
      return nb.broadcastTo(nb.reshape(m, [...m.shape, ...new Array(x.rank - m.rank).fill(1)]), x.shape);
    });
    const joined = nb.concat(full, this.fullAxis(xs[0].rank - 1));
    return nb.greater(nb.max(joined, -1), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

registerLayer('Concatenate', Concatenate);
