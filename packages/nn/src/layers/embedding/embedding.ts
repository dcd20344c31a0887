import * as nb from '@nabla/core';
import { type Constraint, getConstraint, type SerializedConstraint, serializeConstraint } from '../../constraints.js';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape, type Masks, resolveInitializer } from '../layer.js';
import { registerLayer } from '../registry.js';

export interface EmbeddingArgs extends Omit<LayerArgs, 'inputDim'> {
  /** The vocabulary size: indices lie in [0, inputDim). (Not LayerArgs's inputShape shorthand.) */
  inputDim?: number;
  /** The size of each embedding vector. */
  outputDim?: number;
  /** Default 'randomUniform' in [-0.05, 0.05], Keras's 'uniform'. */
  embeddingsInitializer?: string | Initializer | SerializedInitializer;
  embeddingsRegularizer?: string | Regularizer | SerializedRegularizer;
  embeddingsConstraint?: string | Constraint | SerializedConstraint;
  /** Whether index 0 is padding: computeMask then returns `inputs != 0` for the layers after. */
  maskZero?: boolean;
  /**
   * TensorFlow.js's fixed sequence length (a number, or a list for several index axes): sets
   * inputShape when that is not given, so that Flatten and Dense can follow; it must agree
   * with inputShape when both are. Keras 3 deprecates it.
   */
  inputLength?: number | number[];
}

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);
const lengths: nb.Check = (v) =>
  (typeof v === 'number' && Number.isInteger(v) && v > 0) ||
  (Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d > 0))
    ? undefined
    : 'a positive integer or a list of them';

/**
 * Maps integer indices to learned vectors: [batch, ...] indices give [batch, ..., outputDim]
 * (Keras's Embedding). Float inputs holding integers are cast to int32, as Keras does; an index
 * outside [0, inputDim) is an error naming the layer when the graph runs, on every backend
 * (TensorFlow does so on the CPU and returns zeros on the GPU).
 */
export class Embedding extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    inputDim: nb.is.any,
    outputDim: nb.is.any,
    embeddingsInitializer: nameOrObject,
    embeddingsRegularizer: nameOrObject,
    embeddingsConstraint: nameOrObject,
    maskZero: nb.is.boolean,
    inputLength: lengths,
  };
  override get className(): string {
    return 'Embedding';
  }
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength?: number | number[];
  private readonly embeddingsInitializer: Initializer;
  private readonly embeddingsRegularizer?: Regularizer;
  private readonly embeddingsConstraint?: Constraint;
  embeddings?: Weight;

  /** `new Embedding(inputDim, outputDim, options)` as Keras, or `new Embedding({ inputDim, outputDim, ...options })` as TensorFlow.js. */
  constructor(inputDim: number | EmbeddingArgs, outputDim?: number, args?: EmbeddingArgs, ...extra: unknown[]) {
    const a = embeddingArgs(inputDim, outputDim, args, extra);
    const { inputDim: vocabulary, outputDim: width, ...rest } = a;
    if (a.inputLength !== undefined) {
      const fromLength = typeof a.inputLength === 'number' ? [a.inputLength] : [...a.inputLength];
      if (rest.inputShape !== undefined && rest.inputShape.join() !== fromLength.join()) {
        throw new nb.NablaError(`Embedding: inputLength [${fromLength}] disagrees with inputShape [${rest.inputShape}]`);
      }
      rest.inputShape = fromLength;
    }
    super(rest);
    for (const [key, v] of [
      ['inputDim', vocabulary],
      ['outputDim', width],
    ] as const) {
      if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
        throw new nb.NablaError(`${this.name}: ${key} must be a positive integer, got ${nb.describe(v)}`);
      }
    }
    this.inputDim = vocabulary as number;
    this.outputDim = width as number;
    this.maskZero = a.maskZero ?? false;
    this.inputLength = a.inputLength;
    this.embeddingsInitializer = resolveInitializer(a.embeddingsInitializer, 'randomUniform');
    this.embeddingsRegularizer = a.embeddingsRegularizer === undefined ? undefined : getRegularizer(a.embeddingsRegularizer);
    this.embeddingsConstraint = a.embeddingsConstraint === undefined ? undefined : getConstraint(a.embeddingsConstraint);
  }

  override build(inputShape: LayerShape): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
      constraint: this.embeddingsConstraint,
    });
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.outputDim];
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const indices = x.dtype === 'int32' ? x : nb.cast(x, 'int32');
    return nb.gather((this.embeddings as Weight).value, indices, 0, { op: this.name, range: `the Embedding's inputDim ${this.inputDim}` });
  }

  /** With maskZero, `inputs != 0` (bool, the inputs' shape: [batch, time] for sequences); else none. */
  override computeMask(inputs: nb.Tensor, _mask: Masks | undefined): Masks {
    return this.maskZero ? nb.notEqual(inputs, 0) : null;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer ? serializeRegularizer(this.embeddingsRegularizer) : undefined,
      embeddingsConstraint: this.embeddingsConstraint ? serializeConstraint(this.embeddingsConstraint) : undefined,
      maskZero: this.maskZero,
      inputLength: this.inputLength,
    };
  }
}

/** The constructor's two spellings: (inputDim, outputDim, options) or one options object. */
function embeddingArgs(inputDim: unknown, outputDim: unknown, args: unknown, extra: unknown[]): EmbeddingArgs {
  const isObject = (v: unknown): v is EmbeddingArgs => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(inputDim)) {
    if (outputDim !== undefined || args !== undefined || extra.length > 0) {
      throw new nb.NablaError(
        'Embedding: give the options once: new Embedding({ inputDim, outputDim, ... }) or new Embedding(inputDim, outputDim, { ... })',
      );
    }
    return inputDim;
  }
  nb.checkArity('Embedding', [inputDim, outputDim, args, ...extra], 3);
  if (args !== undefined && !isObject(args)) throw new nb.NablaError(`Embedding: options must be an object, got ${nb.describe(args)}`);
  for (const key of ['inputDim', 'outputDim'] as const) {
    if (args && key in args) throw new nb.NablaError(`Embedding: ${key} is given twice, as an argument and in the options`);
  }
  return { ...args, inputDim: inputDim as number, outputDim: outputDim as number };
}

registerLayer('Embedding', Embedding);
