import * as nb from '@nabla/core';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { primaryAndArgs } from './primary.js';

export interface ReshapeArgs extends LayerArgs {
  /** The target shape, when the options are the only argument (TensorFlow.js's form). */
  targetShape?: number[];
}

/** Reshapes each sample to targetShape (one entry may be -1). */
export class Reshape extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, targetShape: nb.is.any };
  override get className(): string {
    return 'Reshape';
  }
  readonly targetShape: number[];

  /** `new Reshape([2, 3], options)` as Keras, or `new Reshape({ targetShape: [2, 3] })` as TensorFlow.js. */
  constructor(targetShape: number[] | ReshapeArgs, args?: LayerArgs, ...extra: unknown[]) {
    const [shape, a] = primaryAndArgs<ReshapeArgs>('Reshape', 'targetShape', targetShape, args, extra);
    super(a);
    targetShape = shape as number[];
    if (!Array.isArray(targetShape) || targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1))) {
      throw new nb.NablaError(`${this.name}: targetShape must be positive integers or one -1, got [${targetShape}]`);
    }
    this.targetShape = [...targetShape];
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const free = this.targetShape.indexOf(-1);
    if (free < 0) return [...this.targetShape];
    if (inputShape.some((d) => d === null)) return this.targetShape.map((d) => (d === -1 ? null : d));
    const total = inputShape.reduce((a: number, b) => a * (b as number), 1);
    const known = this.targetShape.reduce((a, b) => (b === -1 ? a : a * b), 1);
    return this.targetShape.map((d) => (d === -1 ? total / known : d));
  }

  override build(inputShape: LayerShape): void {
    const size = inputShape.reduce((a: number, b) => a * (b ?? 1), 1);
    const target = this.computeOutputShape(inputShape);
    const targetSize = target.reduce((a: number, b) => a * (b ?? 1), 1);
    if (!inputShape.includes(null) && (size !== targetSize || !Number.isInteger(targetSize))) {
      throw new nb.NablaError(`${this.name}: cannot reshape samples of shape [${inputShape.join(',')}] to [${this.targetShape.join(',')}]`);
    }
    super.build(inputShape);
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    return nb.reshape(x, [x.shape[0], ...this.targetShape]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}
