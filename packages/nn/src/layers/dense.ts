import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../activations.js';
import type { Constraint, SerializedConstraint } from '../constraints.js';
import type { Initializer, SerializedInitializer } from '../initializers.js';
import type { Regularizer, SerializedRegularizer } from '../regularizers.js';
import type { Weight } from '../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape } from './layer.js';
import { primaryAndArgs } from './primary.js';
import { WeightSpec } from './weight-spec.js';

export interface DenseArgs extends LayerArgs {
  /** The number of outputs, when the options are the only argument (TensorFlow.js's form). */
  units?: number;
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: string | Initializer | SerializedInitializer;
  biasInitializer?: string | Initializer | SerializedInitializer;
  kernelRegularizer?: string | Regularizer | SerializedRegularizer;
  biasRegularizer?: string | Regularizer | SerializedRegularizer;
  /** Applied to the kernel after every optimizer update ('maxNorm', maxNorm({ maxValue: 2 }), ...). */
  kernelConstraint?: string | Constraint | SerializedConstraint;
  biasConstraint?: string | Constraint | SerializedConstraint;
}

/** activation(x W + b) over the last axis. */
export class Dense extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    units: nb.is.any,
    activation: nb.is.either(nb.is.string, nb.is.function),
    useBias: nb.is.boolean,
    ...WeightSpec.schema('kernel'),
    ...WeightSpec.schema('bias'),
  };
  override get className(): string {
    return 'Dense';
  }
  /** Acts on each position alone, so a sequence's mask passes through. */
  override supportsMasking = true;
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  kernel?: Weight;
  bias?: Weight;

  /** `new Dense(units, options)` as Keras, or `new Dense({ units, ...options })` as TensorFlow.js. */
  constructor(units: number | DenseArgs, args?: DenseArgs, ...extra: unknown[]) {
    const [n, a] = primaryAndArgs<DenseArgs>('Dense', 'units', units, args, extra);
    super(a);
    args = a;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
      throw new nb.NablaError(`${this.name}: units must be a positive integer, got ${nb.describe(n)}`);
    this.units = n;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelSpec = WeightSpec.read(args, 'kernel', 'glorotUniform');
    this.biasSpec = WeightSpec.read(args, 'bias', 'zeros');
  }

  override build(inputShape: LayerShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputShape.length === 0 || inputDim === null || inputDim === undefined) {
      throw new nb.NablaError(`${this.name}: needs a known last input dimension, got input shape [${inputShape.join(',')}]`);
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelSpec.options);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasSpec.options);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
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
      ...this.kernelSpec.config(),
      ...this.biasSpec.config(),
    };
  }
}
