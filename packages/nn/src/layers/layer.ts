import * as nb from '@nabla/core';
import { getInitializer, type Initializer } from '../initializers.js';
import type { Regularizer } from '../regularizers.js';
import { Weight } from '../weight.js';

/** A shape without the batch axis; null where a dimension is not known yet. */
export type LayerShape = (number | null)[];

export interface LayerArgs {
  name?: string;
  /** Shape of one sample (without the batch axis), for the first layer of a model. */
  inputShape?: number[];
  /** Shorthand for inputShape [inputDim]. */
  inputDim?: number;
  trainable?: boolean;
}

/** Passed to call(): whether the model is training, and the step's seed for randomness. */
export interface CallContext {
  training: boolean;
  /** int32 scalar: fresh per training step, so dropout masks change without recompiling. */
  seed?: nb.Tensor;
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
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  /** The input shape given by the user (first layer), without the batch axis. */
  readonly batchInputShape?: LayerShape;
  built = false;
  inputShape?: LayerShape;
  readonly weights: Weight[] = [];

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(this.defaultPrefix());
    this.trainable = args.trainable ?? true;
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

  /** Default name prefix: the class name in snake_case (Dense -> dense). */
  protected defaultPrefix(): string {
    return this.constructor.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
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
  apply(x: nb.Tensor, ctx: CallContext = { training: false }): nb.Tensor {
    const sample = x.shape.slice(1);
    if (!this.built) this.build(sample);
    const expected = this.inputShape as LayerShape;
    if (sample.length !== expected.length || expected.some((d, i) => d !== null && d !== sample[i])) {
      throw new nb.NablaError(
        `${this.name}: expected input shape [null,${expected.map((d) => d ?? 'null').join(',')}], got [${x.shape.join(',')}]`,
      );
    }
    return this.call(x, ctx);
  }

  protected addWeight(
    name: string,
    shape: number[],
    initializer: Initializer,
    opts: { trainable?: boolean; regularizer?: Regularizer } = {},
  ): Weight {
    const value = nb.keep(initializer.apply(shape, 'float32'));
    const w = new Weight(`${this.name}/${name}`, value, opts.trainable ?? this.trainable, opts.regularizer);
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
    return config;
  }

  dispose(): void {
    for (const w of this.weights) w.value.dispose();
  }
}

export function resolveInitializer(value: string | Initializer | undefined, fallback: string): Initializer {
  return getInitializer(value ?? fallback);
}
