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

export interface DotArgs extends LayerArgs {
  /** The axis of both inputs, or [axis of the first, axis of the second], counting the batch axis as 0. */
  axes?: number | [number, number];
  /** Whether to L2-normalize both along their axes first: the output is then the cosine similarity. */
  normalize?: boolean;
}

const axesCheck: nb.Check = (v) =>
  Number.isInteger(v) || (Array.isArray(v) && v.length === 2 && v.every((a) => Number.isInteger(a)))
    ? undefined
    : 'an integer or a list of 2 integers';

/**
 * The dot product of two inputs, per sample, along the given axes (Keras's Dot, its batch_dot):
 * the output keeps the first input's other axes, then the second's; a result with no axis
 * besides the batch gets a trailing 1 ([batch, 1] for two vectors). No mask passes on.
 */
export class Dot extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, axes: nb.is.any, normalize: nb.is.boolean };
  override get className(): string {
    return 'Dot';
  }
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  /** `new Dot(axes, options)` as Keras, or `new Dot({ axes, normalize })` as TensorFlow.js. */
  constructor(axes: number | [number, number] | DotArgs, args?: DotArgs, ...extra: unknown[]) {
    const [a, rest] = primaryAndArgs<DotArgs>('Dot', 'axes', axes, args, extra);
    super(rest);
    const problem = axesCheck(a);
    if (problem !== undefined) throw new nb.NablaError(`${this.name}: axes must be ${problem}, got ${nb.describe(a)}`);
    this.axes = Array.isArray(a) ? [a[0], a[1]] : (a as number);
    this.normalize = rest.normalize ?? false;
  }

  /** Each input's axis in its full rank (batch axis 0). */
  private fullAxes(shapes: LayerShape[]): [number, number] {
    const given = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    return [0, 1].map((i) => {
      const rank = shapes[i].length + 1;
      const a = given[i];
      if (a < -rank || a >= rank) {
        throw new nb.NablaError(`${this.name}: axis ${a} is out of range for input ${i} of rank ${rank} (batch axis included)`);
      }
      const k = a < 0 ? a + rank : a;
      if (k === 0) throw new nb.NablaError(`${this.name}: cannot take the dot product over the batch axis`);
      return k;
    }) as [number, number];
  }

  override computeOutputShape(inputShape: Shapes): LayerShape {
    const shapes = inputList(this.name, inputShape);
    if (shapes.length !== 2) throw new nb.NablaError(`${this.name}: Dot is called on exactly 2 inputs, got ${shapes.length}`);
    const [a, b] = this.fullAxes(shapes);
    const [da, db] = [shapes[0][a - 1], shapes[1][b - 1]];
    if (da !== null && db !== null && da !== db) {
      throw new nb.NablaError(
        `${this.name}: sizes differ along the axes: ${da} (axis ${a} of [null,${shapes[0].map((d) => d ?? 'null')}]) and ${db} (axis ${b} of [null,${shapes[1].map((d) => d ?? 'null')}])`,
      );
    }
    const out = [...shapes[0].filter((_, i) => i !== a - 1), ...shapes[1].filter((_, i) => i !== b - 1)];
    return out.length === 0 ? [1] : out;
  }

  override build(inputShape: Shapes): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensors, _ctx: CallContext): nb.Tensor {
    let [x, y] = inputs as nb.Tensor[];
    const [a, b] = this.fullAxes([x.shape.slice(1), y.shape.slice(1)]);
    if (this.normalize) {
      // Keras 3's normalize: x * rsqrt(max(sum(x^2), eps^2)), finite for a zero vector.
      const unit = (t: nb.Tensor, axis: number) => nb.mul(t, nb.rsqrt(nb.maximum(nb.sum(nb.square(t), axis, true), 1e-14)));
      x = unit(x, a);
      y = unit(y, b);
    }
    const batch = x.shape[0];
    // x as [batch, rest, k] and y as [batch, k, rest]: one batched matmul.
    const xPerm = [...x.shape.keys()].filter((i) => i !== a).concat(a);
    const yPerm = [0, b, ...[...y.shape.keys()].filter((i) => i !== 0 && i !== b)];
    const xRest = x.shape.filter((_, i) => i !== 0 && i !== a);
    const yRest = y.shape.filter((_, i) => i !== 0 && i !== b);
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const xs = nb.reshape(nb.transpose(x, xPerm), [batch, size(xRest), x.shape[a]]);
    const ys = nb.reshape(nb.transpose(y, yPerm), [batch, y.shape[b], size(yRest)]);
    const out = [...xRest, ...yRest];
    return nb.reshape(nb.matmul(xs, ys), [batch, ...(out.length === 0 ? [1] : out)]);
  }

  override computeMask(_inputs: Tensors, _mask: Masks | undefined): Masks {
    return null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

registerLayer('Dot', Dot);
