import * as nb from '@nabla/core';
import { type Constraint, getConstraint, type SerializedConstraint } from '../constraints.js';
import { getInitializer, type Initializer, type SerializedInitializer } from '../initializers.js';
import { applySymbolic, isSymbolic, type SymbolicTensor } from '../models/symbolic.js';
import { checkConfig, shapeCheck } from '../options.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../regularizers.js';
import { Weight } from '../weight.js';
import { registeredName } from './registry.js';

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

/** A layer's input or output: one tensor, or several (attention's query and value; an LSTM's output and states). */
export type Tensors = nb.Tensor | nb.Tensor[];
/** The shape of each input or output, as Tensors (one shape, or a list). */
export type Shapes = LayerShape | LayerShape[];
/**
 * Which timesteps of a sequence are real (true) and which are padding, [batch, time] bool: made
 * by Embedding({ maskZero }) and read by recurrent and attention layers. null: no mask.
 */
export type Mask = nb.Tensor | null;
/** One mask per input or output, as Tensors. */
export type Masks = Mask | Mask[];

/** Passed to call(): whether the model is training, the step's seed for randomness, and the inputs' masks. */
export interface CallContext {
  training: boolean;
  /** int32 scalar: fresh per training step, so dropout masks change without recompiling. */
  seed?: nb.Tensor;
  /** Where layers put the penalties of their activity regularizers, when training collects them. */
  losses?: nb.Tensor[];
  /** The inputs' masks (one per input for a layer of several inputs), from the layers before. */
  mask?: Masks;
}

const counters = new Map<string, number>();
function uniqueName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

function isShapeList(s: Shapes): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** The shapes as a list, whether one or several. */
export function shapeList(s: Shapes): LayerShape[] {
  return isShapeList(s) ? s : [s as LayerShape];
}

function formatShape(s: readonly (number | null)[]): string {
  return `[${s.map((d) => d ?? 'null').join(',')}]`;
}

/** The options of addWeight beyond its name and shape. */
export interface AddWeightOptions {
  /** By name ('zeros', 'glorotUniform'), an Initializer, or its serialized form (default 'glorotUniform'). */
  initializer?: string | Initializer | SerializedInitializer;
  /** False for state the layer updates itself (moving statistics); default true. */
  trainable?: boolean;
  regularizer?: string | Regularizer | SerializedRegularizer;
  constraint?: string | Constraint | SerializedConstraint;
  dtype?: nb.DType;
}

const ADD_WEIGHT_OPTIONS: nb.OptionSchema = {
  initializer: nb.is.either(nb.is.string, nb.is.object),
  trainable: nb.is.boolean,
  regularizer: nb.is.either(nb.is.string, nb.is.object),
  constraint: nb.is.either(nb.is.string, nb.is.object),
  dtype: nb.is.string,
};

/**
 * The base of every layer, as in Keras. A layer maps one tensor or a list of tensors to one or a
 * list (see Tensors): build() creates the weights once the input shapes are known, call() is a
 * pure function of the inputs and the weights' current values. State that changes while
 * training (moving statistics) is a non-trainable weight the layer `assign`s in call(): inside
 * the compiled training step that assignment becomes one of the step's outputs (see
 * withWeightValues), so the whole step stays one program.
 *
 * A custom layer subclasses Layer, creates weights in build() with addWeight, computes in
 * call(), returns its constructor options from getConfig(), and is registered with
 * `registerLayer('MyLayer', MyLayer)` so that saved models load it.
 */
export abstract class Layer<Out extends Tensors = Tensors> {
  /** The options the constructor takes; a layer class with options of its own replaces it. */
  static readonly OPTIONS: nb.OptionSchema = LAYER_OPTIONS;
  readonly name: string;
  readonly activityRegularizer?: Regularizer;
  private isTrainable: boolean;
  /** The layer this one is part of (see addSublayer): freezing it freezes this one. */
  private parentLayer?: Layer;
  /** The layers this one is made of, in the order they were added (see addSublayer). */
  private readonly sublayers: Layer[] = [];
  /** The weights made by this layer's own addWeight calls. */
  private readonly ownWeights: Weight[] = [];
  /** The input shape given by the user (first layer), without the batch axis. */
  readonly batchInputShape?: LayerShape;
  built = false;
  /** The shape of each input sample the layer was built for (a list for several inputs). */
  inputShape?: Shapes;
  /**
   * Whether the layer passes its input's mask on unchanged (Keras's supports_masking): true for
   * layers that act on each timestep alone (Dense, Activation, Dropout). A layer that makes or
   * consumes masks overrides computeMask instead.
   */
  supportsMasking = false;

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
   * The class's registered name ('Dense'), as saved in model.json. Built-in layers return it from
   * a getter, because a minified bundle renames classes; a custom layer gets the name it was
   * registered under (registerLayer), else its class name.
   */
  get className(): string {
    return registeredName(this.constructor) ?? this.constructor.name;
  }

  /**
   * Whether fit updates the layer's weights. Setting it applies at once to `trainableWeights`
   * and from the next fit on (which re-creates the optimizer state when the set of trainable
   * weights changed); Keras asks for a new compile() instead, and a compile is not needed here.
   * A sublayer is trainable only while the layer it is part of is (Keras sets the flag on every
   * sublayer; here it is read through, so unfreezing the outer layer restores the sublayers' own flags).
   */
  get trainable(): boolean {
    return this.isTrainable && (this.parentLayer?.trainable ?? true);
  }
  set trainable(v: boolean) {
    nb.checkArg(`${this.name}.trainable`, 'trainable', v, nb.is.boolean, false);
    this.isTrainable = v;
  }

  /**
   * Every weight of the layer: its own (addWeight), then each sublayer's in the order the
   * sublayers were added (addSublayer), as Keras lists a layer's variables.
   */
  get weights(): Weight[] {
    if (this.sublayers.length === 0) return this.ownWeights;
    return [...this.ownWeights, ...this.sublayers.flatMap((l) => l.weights)];
  }

  /**
   * Makes `layer` a part of this one, as Keras tracks a layer held in an attribute: its weights
   * join this layer's `weights` (so models save, load and train them), and freezing this layer
   * freezes it. The outer layer constructs its sublayers, builds them in its build() and calls
   * them (apply) in its call(). A sublayer's name must start with this layer's name and a '/'
   * (`${this.name}/selfAttention`), so that its weights' names are unique within a model.
   */
  protected addSublayer<L extends Layer>(layer: L, ...extra: unknown[]): L {
    nb.checkArity(`${this.name}.addSublayer`, [layer, ...extra], 1);
    if (!(layer instanceof Layer)) throw new nb.NablaError(`${this.name}.addSublayer: expected a layer, got ${nb.describe(layer)}`);
    if (!layer.name.startsWith(`${this.name}/`)) {
      throw new nb.NablaError(
        `${this.name}.addSublayer: a sublayer's name must start with '${this.name}/' (its weights are named after it), got '${layer.name}'`,
      );
    }
    if (layer.parentLayer !== undefined) {
      throw new nb.NablaError(`${this.name}.addSublayer: '${layer.name}' is a sublayer of '${layer.parentLayer.name}' already`);
    }
    layer.parentLayer = this;
    this.sublayers.push(layer);
    return layer;
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

  /** Default name prefix: the class name in snake_case as Keras's to_snake_case (Dense -> dense, Conv2D -> conv2d, LSTM -> lstm). */
  protected defaultPrefix(): string {
    return this.registeredName()
      .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase();
  }

  /** Creates the weights for inputs of these shapes (batch axis excluded); a subclass calls super.build last. */
  build(inputShape: Shapes): void {
    this.inputShape = isShapeList(inputShape) ? inputShape.map((s) => [...s]) : [...inputShape];
    this.built = true;
  }

  /**
   * The output shape(s) for inputs of these shapes (batch axis excluded). By default the layer is
   * called on lazy placeholders of one sample and the shapes are read from the results: nothing
   * is computed. A layer whose shapes have unknown (null) dimensions overrides it.
   */
  computeOutputShape(inputShape: Shapes): Shapes {
    return traceOutputs(
      this,
      inputShape,
      shapeList(inputShape).map(() => 'float32'),
    ).shapes;
  }

  /** The layer's function; inputs have a batch axis (a list when the layer takes several). */
  abstract call(inputs: Tensors, ctx: CallContext): Out;

  /**
   * The mask(s) of the outputs, given the inputs and their masks: the input's mask when the layer
   * supportsMasking, else none. Embedding makes one; recurrent layers consume theirs.
   */
  computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    if (this.supportsMasking && mask !== undefined) return mask;
    return null;
  }

  /**
   * Calls the layer: on tensors, it builds on first use, checks the inputs' shapes against the
   * built ones and returns tensors; on the symbolic tensors of `nn.input` (the functional API),
   * it records the call and returns symbolic outputs.
   */
  apply(
    inputs: SymbolicTensor | SymbolicTensor[],
    ...extra: unknown[]
  ): Out extends nb.Tensor ? SymbolicTensor : SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensors, ctx?: CallContext, ...extra: unknown[]): Out;
  apply(inputs: Tensors | SymbolicTensor | SymbolicTensor[], ctx?: CallContext, ...extra: unknown[]): unknown {
    if (isSymbolic(inputs)) {
      nb.checkArity(`${this.name}.apply`, ctx === undefined && extra.length === 0 ? [inputs] : [inputs, ctx, ...extra], 1);
      return applySymbolic(this, inputs);
    }
    nb.checkArity(`${this.name}.apply`, [inputs, ctx, ...extra], 2);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    for (const t of list) {
      if (!(t instanceof nb.Tensor)) throw new nb.NablaError(`${this.name}: expected tensors as inputs, got ${nb.describe(t)}`);
      if (t.rank === 0) throw new nb.NablaError(`${this.name}: inputs need a batch axis, got a scalar`);
    }
    const samples = list.map((t) => t.shape.slice(1));
    const given: Shapes = Array.isArray(inputs) ? samples : samples[0];
    if (!this.built) this.build(given);
    const expected = shapeList(this.inputShape as Shapes);
    const fits =
      expected.length === samples.length &&
      expected.every((e, k) => e.length === samples[k].length && e.every((d, i) => d === null || d === samples[k][i]));
    if (!fits) {
      const want = expected.map((e) => `[null,${e.map((d) => d ?? 'null').join(',')}]`).join(', ');
      throw new nb.NablaError(`${this.name}: expected input shape ${want}, got ${list.map((t) => formatShape(t.shape)).join(', ')}`);
    }
    const context = ctx ?? { training: false };
    const y = this.call(inputs, context);
    if (this.activityRegularizer && context.losses) {
      for (const out of Array.isArray(y) ? y : [y as nb.Tensor]) context.losses.push(this.activityRegularizer.apply(out));
    }
    return y;
  }

  /**
   * Creates a weight of this layer (Keras's add_weight), named `${layer.name}/${name}`, in
   * build(). Non-trainable weights hold state the layer assigns in call().
   */
  addWeight(name: string, shape: number[], options: AddWeightOptions = {}, ...extra: unknown[]): Weight {
    nb.checkArity(`${this.name}.addWeight`, [name, shape, options, ...extra], 3);
    nb.checkArg(`${this.name}.addWeight`, 'name', name, nb.is.string);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new nb.NablaError(`${this.name}.addWeight: shape must be a list of sizes, got ${nb.describe(shape)}`);
    }
    const o = checkConfig(`${this.name}.addWeight`, options, ADD_WEIGHT_OPTIONS);
    if (this.ownWeights.some((w) => w.name === `${this.name}/${name}`)) {
      throw new nb.NablaError(`${this.name}.addWeight: the layer has a weight named '${name}' already`);
    }
    const initializer = getInitializer(o.initializer ?? 'glorotUniform');
    const value = nb.keep(initializer.apply(shape, o.dtype ?? 'float32'));
    const w = new Weight(`${this.name}/${name}`, value, {
      trainable: o.trainable ?? true,
      regularizer: o.regularizer === undefined ? undefined : getRegularizer(o.regularizer),
      constraint: o.constraint === undefined ? undefined : getConstraint(o.constraint),
      owner: this,
    });
    this.ownWeights.push(w);
    return w;
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + sizeOf(w.shape), 0);
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

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The layer called on lazy placeholders of one sample (nothing runs): the output shapes (batch
 * axis excluded) and dtypes, one or a list as call returns them. Dimensions must be known.
 */
export function traceOutputs(layer: Layer, inputShape: Shapes, dtypes: nb.DType[]): { shapes: Shapes; dtypes: nb.DType[] } {
  const shapes = shapeList(inputShape);
  for (const s of shapes) {
    if (s.some((d) => d === null)) {
      throw new nb.NablaError(`${layer.name}: cannot infer the output shape of input ${formatShape(s)} with unknown dimensions`);
    }
  }
  return nb.tidy(() => {
    const placeholders = shapes.map((s, k) => nb.zeros([1, ...(s as number[])], dtypes[k]));
    if (!layer.built) layer.build(inputShape);
    const out = layer.call(isShapeList(inputShape) ? placeholders : placeholders[0], { training: false });
    const list: nb.Tensor[] = Array.isArray(out) ? out : [out as nb.Tensor];
    const outShapes = list.map((t) => t.shape.slice(1));
    return { shapes: Array.isArray(out) ? outShapes : outShapes[0], dtypes: list.map((t) => t.dtype) };
  });
}

export function resolveInitializer(value: string | Initializer | SerializedInitializer | undefined, fallback: string): Initializer {
  return getInitializer(value ?? fallback);
}
