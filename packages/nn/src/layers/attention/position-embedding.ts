import * as nb from '@nabla/core';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import type { Weight } from '../../weight.js';
import { type CallContext, LAYER_OPTIONS, Layer, type LayerArgs, type LayerShape, resolveInitializer } from '../layer.js';
import { primaryAndArgs } from '../primary.js';
import { registerLayer } from '../registry.js';

export interface PositionEmbeddingArgs extends LayerArgs {
  /** The longest sequence it embeds, when the options are the only argument. */
  sequenceLength?: number;
  /** For the embeddings (default 'glorotUniform'). */
  initializer?: string | Initializer | SerializedInitializer;
}

/**
 * A learned embedding of each position, as keras_nlp's (keras_hub's) PositionEmbedding: given
 * [batch, time, features] (token embeddings; more axes may come before time), returns the embeddings of positions 0..time-1
 * broadcast to that shape, to be added to the input (it does not add them itself). Its weight
 * `embeddings` is [sequenceLength, features]; time may be shorter than sequenceLength. As in
 * keras_hub it does not carry masks: add its output to the token embeddings, whose mask goes on.
 */
export class PositionEmbedding extends Layer<nb.Tensor> {
  static override readonly OPTIONS: nb.OptionSchema = {
    ...LAYER_OPTIONS,
    sequenceLength: nb.is.any,
    initializer: nb.is.either(nb.is.string, nb.is.object),
  };
  override get className(): string {
    return 'PositionEmbedding';
  }
  readonly sequenceLength: number;
  private readonly initializer: Initializer;
  embeddings?: Weight;

  /** `new PositionEmbedding(sequenceLength, options)` as keras_nlp, or `new PositionEmbedding({ sequenceLength, ... })`. */
  constructor(sequenceLength: number | PositionEmbeddingArgs, args?: PositionEmbeddingArgs, ...extra: unknown[]) {
    const [n, a] = primaryAndArgs<PositionEmbeddingArgs>('PositionEmbedding', 'sequenceLength', sequenceLength, args, extra);
    super(a);
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new nb.NablaError(`${this.name}: sequenceLength must be a positive integer, got ${nb.describe(n)}`);
    }
    this.sequenceLength = n;
    this.initializer = resolveInitializer(a.initializer, 'glorotUniform');
  }

  override build(inputShape: LayerShape): void {
    const [time, features] = inputShape.slice(-2);
    if (inputShape.length < 2 || features === null) {
      throw new nb.NablaError(
        `${this.name}: expects [batch, ..., time, features] with known features, got [null,${inputShape.map((d) => d ?? 'null').join(',')}]`,
      );
    }
    this.checkLength(time);
    this.embeddings = this.addWeight('embeddings', [this.sequenceLength, features], { initializer: this.initializer });
    super.build(inputShape);
  }

  private checkLength(time: number | null): void {
    if (time !== null && time > this.sequenceLength) {
      throw new nb.NablaError(`${this.name}: sequences of length ${time} are longer than sequenceLength ${this.sequenceLength}`);
    }
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override call(x: nb.Tensor, _ctx: CallContext): nb.Tensor {
    const [time, features] = x.shape.slice(-2);
    this.checkLength(time);
    const table = (this.embeddings as Weight).value;
    const rows = time === this.sequenceLength ? table : nb.slice(table, [0, 0], [time, features]);
    return nb.broadcastTo(rows, x.shape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), sequenceLength: this.sequenceLength, initializer: serializeInitializer(this.initializer) };
  }
}

registerLayer('PositionEmbedding', PositionEmbedding);
