import * as nb from '@nabla/core';
import type { Constraint } from '../constraints.js';
import { getInitializer, type Initializer, type SerializedInitializer } from '../initializers.js';
import { checkConfig, shapeCheck } from '../options.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../regularizers.js';
import { Weight } from '../weight.js';

/** A shape without the batch axis; null where a dimension is not known yet. */
export type LayerShape = (number | null)[];

export interface LayerArgs {
  name?: string;
  /** Shape of one sample (without the batch axis), for the first layer of a model. */
  inputShape?: number[];
  /** Shorthand for inputShape [inputDim]. */
  inputDim?: number;
  /**
   * Whether fit updates the layer's weights (default true). Changing it later takes effect at
   * the next fit (see Layer.trainable).
   */
  trainable?: boolean;
  /**
   * A penalty on the layer's output, added to the loss while training (Keras's
   * activity_regularizer): the regularizer applied to the whole batch's output, not divided by
   * the batch size, as Keras 3 does.
   */
  activityRegularizer?: string | Regularizer | SerializedRegularizer;
}

/** The options every layer takes; each layer class adds its own (its static OPTIONS). */
export const LAYER_OPTIONS: nb.OptionSchema = {
  name: nb.is.string,
  inputShape: shapeCheck,
  inputDim: nb.is.positiveInteger,
  trainable: nb.is.boolean,
  activityRegularizer: nb.is.either(nb.is.string, nb.is.object),
};

/** Passed to call(): whether the model is training, and the step's seed for randomness. */
export interface CallContext {
  training: boolean;
  /** int32 scalar: fresh per training step, so dropout masks change without recompiling. */
  seed?: nb.Tensor;
  /** Where layers put the penalties of their activity regularizers, when training collects them. */
  losses?: nb.Tensor[];
}

const counters = new Map<string, number>();
function uniqueName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

/**
 * The base of every layer, as in Keras: weights are created by build() once the input shape is
 * known, call() is a pure function of the input and the weights' current values.
 */
export abstract class Layer {
  /** The options the constructor takes; a layer class with options of its own replaces it. */
  static readonly OPTIONS: nb.OptionSchema = LAYER_OPTIONS;
  /**
   * The class's registered name ('Dense'), a getter so that the base constructor can read it: a
   * minified bundle renames classes, and layer names and saved configs must not change with it.
   */
  abstract get className(): string;
  readonly name: string;
  readonly activityRegularizer?: Regularizer;
  private isTrainable: boolean;
  /** The input shape given by the user (first layer), without the batch axis. */
  readonly batchInputShape?: LayerShape;
  built = false;
  inputShape?: LayerShape;
  readonly weights: Weight[] = [];

  constructor(args: LayerArgs = {}) {
    checkConfig(this.registeredName(), args, (new.target as unknown as { OPTIONS: nb.OptionSchema }).OPTIONS);
    this.name = args.name ?? uniqueName(this.defaultPrefix());
    this.isTrainable = args.trainable ?? true;
    if (args.activityRegularizer !== undefined) this.activityRegularizer = getRegularizer(args.activityRegularizer);
    if (args.inputShape !== undefined && args.inputDim !== undefined) {
      throw new nb.NablaError(`${this.name}: give inputShape or inputDim, not both`);
    }
    const shape = args.inputShape ?? (args.inputDim !== undefined ? [args.inputDim] : undefined);
    if (shape !== undefined) {
      if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw new nb.NablaError(`${this.name}: inputShape must be positive integers, got [${shape}]`);
      }
      this.batchInputShape = [...shape];
    }
  }

  /**
   * Whether fit updates the layer's weights. Setting it applies at once to `trainableWeights`
   * and from the next fit on (which re-creates the optimizer state when the set of trainable
   * weights changed); Keras asks for a new compile() instead, and a compile is not needed here.
   */
  get trainable(): boolean {
    return this.isTrainable;
  }
  set trainable(v: boolean) {
    nb.checkArg(`${this.name}.trainable`, 'trainable', v, nb.is.boolean, false);
    this.isTrainable = v;
  }

  /** The weights fit updates (none while the layer is frozen). */
  get trainableWeights(): Weight[] {
    return this.weights.filter((w) => w.trainable);
  }

  /** The weights fit leaves alone. */
  get nonTrainableWeights(): Weight[] {
    return this.weights.filter((w) => !w.trainable);
  }

  /** className, readable in the constructor: a subclass declaring it as a field has not set it yet. */
  private registeredName(): string {
    return (this as { className?: string }).className ?? this.constructor.name;
  }

  /** Default name prefix: the class name in snake_case (Dense -> dense). */
  protected defaultPrefix(): string {
    return this.registeredName()
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase();
  }

  /** Creates the weights for an input of this shape (batch axis excluded). */
  build(inputShape: LayerShape): void {
    this.inputShape = [...inputShape];
    this.built = true;
  }

  abstract computeOutputShape(inputShape: LayerShape): LayerShape;

  /** The layer's function; x has a batch axis. */
  abstract call(x: nb.Tensor, ctx: CallContext): nb.Tensor;

  /** Builds on first use and checks the input against the built shape. */
  apply(x: nb.Tensor, ctx: CallContext = { training: false }, ...extra: unknown[]): nb.Tensor {
    if (extra.length > 0) nb.checkArity(`${this.name}.apply`, [x, ctx, ...extra], 2);
    const sample = x.shape.slice(1);
    if (!this.built) this.build(sample);
    const expected = this.inputShape as LayerShape;
    if (sample.length !== expected.length || expected.some((d, i) => d !== null && d !== sample[i])) {
      throw new nb.NablaError(
        `${this.name}: expected input shape [null,${expected.map((d) => d ?? 'null').join(',')}], got [${x.shape.join(',')}]`,
      );
    }
    const y = this.call(x, ctx);
    if (this.activityRegularizer && ctx.losses) ctx.losses.push(this.activityRegularizer.apply(y));
    return y;
  }

  protected addWeight(
    name: string,
    shape: number[],
    initializer: Initializer,
    opts: { trainable?: boolean; regularizer?: Regularizer; constraint?: Constraint } = {},
  ): Weight {
    const value = nb.keep(initializer.apply(shape, 'float32'));
    const w = new Weight(`${this.name}/${name}`, value, { ...opts, owner: this });
    this.weights.push(w);
    return w;
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.value.size, 0);
  }

  /** The constructor arguments that rebuild this layer (architecture, not weights). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) config.inputShape = this.batchInputShape;
    if (this.activityRegularizer) config.activityRegularizer = serializeRegularizer(this.activityRegularizer);
    return config;
  }

  dispose(): void {
    for (const w of this.weights) w.value.dispose();
  }
}

export function resolveInitializer(value: string | Initializer | SerializedInitializer | undefined, fallback: string): Initializer {
  return getInitializer(value ?? fallback);
}
