import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../activations.js';
import { type Initializer, serializeInitializer } from '../initializers.js';
import { getRegularizer, type Regularizer, serializeRegularizer } from '../regularizers.js';
import type { Weight } from '../weight.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape, resolveInitializer } from './layer.js';

export interface DenseArgs extends LayerArgs {
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
}

/** activation(x W + b) over the last axis. */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  kernel?: Weight;
  bias?: Weight;

  constructor(units: number, args: DenseArgs = {}) {
    super(args);
    if (!Number.isInteger(units) || units <= 0) throw new nb.NablaError(`${this.name}: units must be a positive integer, got ${units}`);
    this.units = units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = resolveInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = args.kernelRegularizer === undefined ? undefined : getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = args.biasRegularizer === undefined ? undefined : getRegularizer(args.biasRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputShape.length === 0 || inputDim === null || inputDim === undefined) {
      throw new nb.NablaError(`${this.name}: needs a known last input dimension, got input shape [${inputShape.join(',')}]`);
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, { regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    let y = nb.matmul(x, (this.kernel as Weight).value);
    if (this.bias) y = nb.add(y, this.bias.value);
    return this.activation.fn(y);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : undefined,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : undefined,
    };
  }
}
