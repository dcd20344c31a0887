import * as nb from '@nabla/core';
import {
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Masks,
  type Shapes,
  shapeList,
  type Tensors,
} from '../layer.js';
import { layerFromConfig, registerLayer } from '../registry.js';
import { firstMask, Recurrent } from './rnn.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/** A recurrent layer as saved: `{ className, config }`. */
interface SerializedLayer {
  className: string;
  config: Record<string, unknown>;
}

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer (SimpleRNN, LSTM, GRU) or its `{ className, config }`, when the options are the only argument. */
  layer?: Recurrent | SerializedLayer;
  /** How the two directions' outputs combine (default 'concat'); null returns both, [forward, backward]. */
  mergeMode?: MergeMode;
}

/**
 * Keras's Bidirectional: the layer's config run forward and again with goBackwards (fresh weights
 * for each, forward's first), the backward outputs put back in time order, then merged. Inputs:
 * the sequence, then optionally the forward layer's initial states and the backward layer's. With
 * returnState the outputs are [output, ...forward states, ...backward states]. When the layers
 * return sequences, a masked timestep's output is zeros (Keras 3 forces zero_output_for_mask).
 */
export class Bidirectional extends Layer {
  static override readonly OPTIONS: nb.OptionSchema = { ...LAYER_OPTIONS, layer: nb.is.object, mergeMode: nb.is.any };
  override get className(): string {
    return 'Bidirectional';
  }
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  /** The wrapped layer's class and config, as given (saved as `layer`). */
  private readonly inner: SerializedLayer;

  /** `new Bidirectional(new LSTM(8), { mergeMode })` as Keras, or `new Bidirectional({ layer, mergeMode })` as TensorFlow.js. */
  constructor(layer: Recurrent | SerializedLayer | BidirectionalArgs, args?: BidirectionalArgs, ...extra: unknown[]) {
    nb.checkArity('Bidirectional', [layer, args, ...extra], 2);
    const primary = layer instanceof Layer || (typeof layer === 'object' && layer !== null && 'className' in layer);
    if (!primary && args !== undefined) {
      throw new nb.NablaError(
        'Bidirectional: give the options once: new Bidirectional({ layer, ... }) or new Bidirectional(layer, { ... })',
      );
    }
    const a = (primary ? { ...(args ?? {}), layer } : (layer ?? {})) as BidirectionalArgs;
    if (primary && args !== undefined && 'layer' in args)
      throw new nb.NablaError('Bidirectional: layer is given twice, as the first argument and in the options');
    const inner = toSerialized(a.layer);
    const { layer: _, ...own } = a;
    // The wrapped layer's inputShape (Keras's first-layer habit) becomes this layer's.
    const innerShape = inner.config.inputShape as number[] | undefined;
    super(own.inputShape === undefined && own.inputDim === undefined && innerShape ? { ...own, inputShape: innerShape } : own);
    const mode = a.mergeMode === undefined ? 'concat' : a.mergeMode;
    if (!MERGE_MODES.includes(mode)) {
      throw new nb.NablaError(`${this.name}: mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, got ${nb.describe(mode)}`);
    }
    this.mergeMode = mode;
    const { inputShape: _shape, name: innerName, ...config } = inner.config;
    this.inner = { className: inner.className, config: { ...config, ...(innerName === undefined ? {} : { name: innerName }) } };
    const base = String(innerName ?? inner.className.toLowerCase());
    const make = (direction: string, goBackwards: boolean) => {
      const l = layerFromConfig(inner.className, { ...config, name: `${this.name}/${direction}_${base}`, goBackwards });
      if (!(l instanceof Recurrent)) throw new nb.NablaError(`${this.name}: wraps SimpleRNN, LSTM or GRU, got ${inner.className}`);
      return this.addSublayer(l);
    };
    const backwards = config.goBackwards === true;
    this.forwardLayer = make('forward', backwards);
    this.backwardLayer = make('backward', !backwards);
    this.backwardLayer.outputsInTimeOrder = true;
    for (const l of [this.forwardLayer, this.backwardLayer]) l.zeroOutputForMask = l.returnSequences;
    this.returnSequences = this.forwardLayer.returnSequences;
    this.returnState = this.forwardLayer.returnState;
  }

  /** The inputs of each direction (a tensor or a shape each): the sequence, and its half of the initial states. */
  private halves<T>([x, ...states]: T[]): [T[], T[]] {
    if (states.length === 0) return [[x], [x]];
    const n = states.length / 2;
    if (n !== this.forwardLayer.stateCount) {
      throw new nb.NablaError(
        `${this.name}: takes ${2 * this.forwardLayer.stateCount} initial states (forward's, then backward's), got ${states.length}`,
      );
    }
    return [
      [x, ...states.slice(0, n)],
      [x, ...states.slice(n)],
    ];
  }

  override build(inputShape: Shapes): void {
    const [f, b] = this.halves(shapeList(inputShape));
    this.forwardLayer.build(one(f));
    this.backwardLayer.build(one(b));
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const [f] = this.halves(shapeList(inputShape));
    const shapes = this.forwardLayer.computeOutputShape(one(f));
    const [out, ...states] = this.returnState ? (shapes as LayerShape[]) : [shapes as LayerShape];
    const last = out[out.length - 1];
    const merged: LayerShape[] =
      this.mergeMode === null ? [out, out] : [this.mergeMode === 'concat' ? [...out.slice(0, -1), last === null ? null : 2 * last] : out];
    return one([...merged, ...states, ...states]);
  }

  override computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    const m = this.returnSequences ? (firstMask(mask) ?? null) : null;
    const outputs = this.mergeMode === null ? [m, m] : [m];
    const states = this.returnState ? Array.from({ length: 2 * this.forwardLayer.stateCount }, () => null) : [];
    return one([...outputs, ...states]);
  }

  override call(inputs: Tensors, ctx: CallContext): Tensors {
    const [f, b] = this.halves(Array.isArray(inputs) ? inputs : [inputs]);
    const mask = firstMask(ctx.mask);
    const own = { ...ctx, mask: mask ?? undefined };
    // The backward layer draws its dropout masks from another seed than the forward one.
    const y = this.forwardLayer.apply(one(f), own);
    const yRev = this.backwardLayer.apply(one(b), { ...own, seed: ctx.seed && nb.add(ctx.seed, 1) });
    const [out, ...fStates] = this.returnState ? (y as nb.Tensor[]) : [y as nb.Tensor];
    const [outRev, ...bStates] = this.returnState ? (yRev as nb.Tensor[]) : [yRev as nb.Tensor];
    const merged = merge(this.mergeMode, out, outRev);
    return one([...merged, ...fStates, ...bStates]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.inner, mergeMode: this.mergeMode };
  }
}

/** A list of one as the item itself (one input or output), else the list. */
function one<T>(list: T[]): T | T[] {
  return list.length === 1 ? list[0] : list;
}

function merge(mode: MergeMode, a: nb.Tensor, b: nb.Tensor): nb.Tensor[] {
  switch (mode) {
    case 'concat':
      return [nb.concat([a, b], -1)];
    case 'sum':
      return [nb.add(a, b)];
    case 'mul':
      return [nb.mul(a, b)];
    case 'ave':
      return [nb.mul(nb.add(a, b), 0.5)];
    case null:
      return [a, b];
  }
}

function toSerialized(layer: unknown): SerializedLayer {
  if (layer instanceof Recurrent) return { className: layer.className, config: layer.getConfig() };
  if (layer instanceof Layer) throw new nb.NablaError(`Bidirectional: wraps SimpleRNN, LSTM or GRU, got ${layer.className}`);
  const s = layer as SerializedLayer | undefined;
  if (
    s === undefined ||
    typeof s !== 'object' ||
    s === null ||
    typeof s.className !== 'string' ||
    typeof s.config !== 'object' ||
    s.config === null
  ) {
    throw new nb.NablaError(`Bidirectional: layer must be a recurrent layer or its { className, config }, got ${nb.describe(layer)}`);
  }
  return { className: s.className, config: { ...s.config } };
}

registerLayer('Bidirectional', Bidirectional);
