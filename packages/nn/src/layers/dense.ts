import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../activations.js';
import { type Constraint, getConstraint, type SerializedConstraint, serializeConstraint } from '../constraints.js';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../initializers.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../regularizers.js';
import type { Weight } from '../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape, resolveInitializer } from './layer.js';
import { primaryAndArgs } from './primary.js';

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

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);

/** activation(x W + b) over the last axis. */
export class Dense extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    units: nb.is.any,
    activation: nb.is.either(nb.is.string, nb.is.function),
    useBias: nb.is.boolean,
    kernelInitializer: nameOrObject,
    biasInitializer: nameOrObject,
    kernelRegularizer: nameOrObject,
    biasRegularizer: nameOrObject,
    kernelConstraint: nameOrObject,
    biasConstraint: nameOrObject,
  };
  override get className(): string {
    return 'Dense';
  }
  /** Acts on each position alone, so a sequence's mask passes through. */
  override supportsMasking = true;
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  private readonly kernelConstraint?: Constraint;
  private readonly biasConstraint?: Constraint;
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
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = resolveInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = args.kernelRegularizer === undefined ? undefined : getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = args.biasRegularizer === undefined ? undefined : getRegularizer(args.biasRegularizer);
    this.kernelConstraint = args.kernelConstraint === undefined ? undefined : getConstraint(args.kernelConstraint);
    this.biasConstraint = args.biasConstraint === undefined ? undefined : getConstraint(args.biasConstraint);
  }

  override build(inputShape: LayerShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputShape.length === 0 || inputDim === null || inputDim === undefined) {
      throw new nb.NablaError(`${this.name}: needs a known last input dimension, got input shape [${inputShape.join(',')}]`);
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], {
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], {
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    }
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
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : undefined,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : undefined,
      kernelConstraint: this.kernelConstraint ? serializeConstraint(this.kernelConstraint) : undefined,
      biasConstraint: this.biasConstraint ? serializeConstraint(this.biasConstraint) : undefined,
    };
  }
}
