import * as nb from '@nabla/core';
import { type ActivationFn, getActivation } from '../../activations.js';
import { type Constraint, getConstraint, type SerializedConstraint, serializeConstraint } from '../../constraints.js';
import { type Initializer, type SerializedInitializer, serializeInitializer } from '../../initializers.js';
import { getRegularizer, type Regularizer, type SerializedRegularizer, serializeRegularizer } from '../../regularizers.js';
import type { Weight } from '../../weight.js';
import {
  type CallContext,
  LAYER_OPTIONS,
  Layer,
  type LayerArgs,
  type LayerShape,
  type Mask,
  type Masks,
  resolveInitializer,
  type Shapes,
  type Tensors,
} from '../layer.js';
import { primaryAndArgs } from '../primary.js';

type NameOrObject<T, S> = string | T | S;

/** The options SimpleRNN, LSTM and GRU share (Keras 3's names, camelCased). */
export interface RecurrentArgs extends LayerArgs {
  /** The state size, when the options are the only argument (TensorFlow.js's form). */
  units?: number;
  /** Default 'tanh'. */
  activation?: string | ActivationFn | null;
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: NameOrObject<Initializer, SerializedInitializer>;
  /** Default 'orthogonal'. */
  recurrentInitializer?: NameOrObject<Initializer, SerializedInitializer>;
  /** Default 'zeros'. */
  biasInitializer?: NameOrObject<Initializer, SerializedInitializer>;
  kernelRegularizer?: NameOrObject<Regularizer, SerializedRegularizer>;
  recurrentRegularizer?: NameOrObject<Regularizer, SerializedRegularizer>;
  biasRegularizer?: NameOrObject<Regularizer, SerializedRegularizer>;
  kernelConstraint?: NameOrObject<Constraint, SerializedConstraint>;
  recurrentConstraint?: NameOrObject<Constraint, SerializedConstraint>;
  biasConstraint?: NameOrObject<Constraint, SerializedConstraint>;
  /** Fraction of the inputs dropped while training, one mask for every timestep (default 0). */
  dropout?: number;
  /** Fraction of the previous state dropped where it enters the recurrent product, one mask for every timestep (default 0). */
  recurrentDropout?: number;
  /** Mixed into the training step's seed for the dropout masks. */
  seed?: number;
  /** Return the output of every timestep ([batch, time, units]) rather than the last ([batch, units]). */
  returnSequences?: boolean;
  /** Also return the final states: [output, ...states]. */
  returnState?: boolean;
  /** Read the sequence from its end; with returnSequences the outputs come in that (reversed) order, as Keras. */
  goBackwards?: boolean;
  /** Only false: state carried from batch to batch is not supported. */
  stateful?: boolean;
}

const nameOrObject = nb.is.either(nb.is.string, nb.is.object);
const fraction = nb.is.any; // checked with its value in the constructor

export const RECURRENT_OPTIONS: nb.OptionSchema = {
  ...LAYER_OPTIONS,
  units: nb.is.any,
  activation: nb.is.any,
  useBias: nb.is.boolean,
  kernelInitializer: nameOrObject,
  recurrentInitializer: nameOrObject,
  biasInitializer: nameOrObject,
  kernelRegularizer: nameOrObject,
  recurrentRegularizer: nameOrObject,
  biasRegularizer: nameOrObject,
  kernelConstraint: nameOrObject,
  recurrentConstraint: nameOrObject,
  biasConstraint: nameOrObject,
  dropout: fraction,
  recurrentDropout: fraction,
  seed: nb.is.integer,
  returnSequences: nb.is.boolean,
  returnState: nb.is.boolean,
  goBackwards: nb.is.boolean,
  stateful: nb.is.boolean,
};

/** The weights of one step, as its cell reads them. */
export interface StepWeights {
  recurrentKernel: nb.Tensor;
  /** The recurrent half of GRU's bias when resetAfter; else undefined. */
  recurrentBias?: nb.Tensor;
  /** Column blocks of the recurrent kernel, for a cell that multiplies them apart (GRU without resetAfter). */
  blocks?: nb.Tensor[];
}

/**
 * The base of SimpleRNN, LSTM and GRU: a cell applied to each timestep in turn, unrolled into the
 * graph (the whole sequence is one program, which is what lets a training step stay one compiled
 * executable; see docs/architecture.md for the costs with the sequence length). The inputs'
 * projection x W + b of every timestep is one matmul before the loop, in time-major order so that
 * each step reads a contiguous slice; a step adds the recurrent product and applies its gates.
 *
 * Inputs: the sequence [batch, time, features], then optionally the initial states (one [batch,
 * units] tensor each). Masks ([batch, time] bool): a masked timestep carries the states and the
 * output through unchanged, as Keras does (the output starts at zeros).
 */
export abstract class Recurrent extends Layer {
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /**
   * Whether a masked timestep's output is zeros rather than the last output (Keras's
   * zero_output_for_mask). Not an option: Bidirectional sets it for its layers when they return
   * sequences, as Keras 3 does.
   */
  zeroOutputForMask = false;
  /**
   * With goBackwards and returnSequences, whether the outputs are laid out in the sequence's own
   * order rather than in the order read. Not an option: Bidirectional's backward layer sets it,
   * where Keras flips the outputs after the fact (here that would be a gather and its gradient).
   */
  outputsInTimeOrder = false;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  private readonly regularizers: Record<'kernel' | 'recurrent' | 'bias', Regularizer | undefined>;
  private readonly constraints: Record<'kernel' | 'recurrent' | 'bias', Constraint | undefined>;
  kernel?: Weight;
  recurrentKernel?: Weight;
  bias?: Weight;

  /** The number of states (LSTM: h and c). */
  abstract readonly stateCount: number;
  /** How many blocks of `units` columns the kernels have (the gates). */
  protected abstract readonly gates: number;

  constructor(className: string, units: number | RecurrentArgs, args: RecurrentArgs | undefined, extra: unknown[]) {
    const [n, a] = primaryAndArgs<RecurrentArgs>(className, 'units', units, args, extra);
    super(a);
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new nb.NablaError(`${this.name}: units must be a positive integer, got ${nb.describe(n)}`);
    }
    if (a.stateful === true) {
      throw new nb.NablaError(
        `${this.name}: stateful: true is not supported (states carried across batches); give initial states as extra inputs`,
      );
    }
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      const v = a[key] ?? 0;
      if (!(typeof v === 'number' && v >= 0 && v < 1))
        throw new nb.NablaError(`${this.name}: ${key} must be in [0, 1), got ${nb.describe(v)}`);
    }
    this.units = n;
    this.activation = getActivation(a.activation === undefined ? 'tanh' : a.activation);
    this.useBias = a.useBias ?? true;
    this.dropout = a.dropout ?? 0;
    this.recurrentDropout = a.recurrentDropout ?? 0;
    this.seed = a.seed ?? 0;
    this.returnSequences = a.returnSequences ?? false;
    this.returnState = a.returnState ?? false;
    this.goBackwards = a.goBackwards ?? false;
    this.kernelInitializer = resolveInitializer(a.kernelInitializer, 'glorotUniform');
    this.recurrentInitializer = resolveInitializer(a.recurrentInitializer, 'orthogonal');
    this.biasInitializer = resolveInitializer(a.biasInitializer, 'zeros');
    const reg = (r: RecurrentArgs['kernelRegularizer']) => (r === undefined ? undefined : getRegularizer(r));
    const con = (c: RecurrentArgs['kernelConstraint']) => (c === undefined ? undefined : getConstraint(c));
    this.regularizers = { kernel: reg(a.kernelRegularizer), recurrent: reg(a.recurrentRegularizer), bias: reg(a.biasRegularizer) };
    this.constraints = { kernel: con(a.kernelConstraint), recurrent: con(a.recurrentConstraint), bias: con(a.biasConstraint) };
  }

  /** The bias's shape and initializer (GRU's resetAfter has two rows; LSTM's unitForgetBias). */
  protected biasSpec(): { shape: number[]; initializer: Initializer } {
    return { shape: [this.gates * this.units], initializer: this.biasInitializer };
  }

  /** The sequence's shape, and the initial states' if given: [time, features], then [units] each. */
  private sequenceShape(inputShape: Shapes): LayerShape {
    const list = Array.isArray(inputShape[0]) ? (inputShape as LayerShape[]) : [inputShape as LayerShape];
    const [seq, ...states] = list;
    if (seq.length !== 2) {
      throw new nb.NablaError(
        `${this.name}: expects sequences [batch, time, features], got input shape [null,${seq.map((d) => d ?? 'null')}]`,
      );
    }
    if (states.length > 0 && states.length !== this.stateCount) {
      throw new nb.NablaError(
        `${this.name}: takes ${this.stateCount} initial state${this.stateCount > 1 ? 's' : ''}, got ${states.length}`,
      );
    }
    for (const s of states) {
      if (s.length !== 1 || (s[0] !== null && s[0] !== this.units)) {
        throw new nb.NablaError(`${this.name}: an initial state must be [batch, ${this.units}], got [null,${s.map((d) => d ?? 'null')}]`);
      }
    }
    return seq;
  }

  override build(inputShape: Shapes): void {
    const features = this.sequenceShape(inputShape)[1];
    if (features === null) throw new nb.NablaError(`${this.name}: needs a known number of features, got input shape [null,null,null]`);
    const k = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [features, k], {
      initializer: this.kernelInitializer,
      regularizer: this.regularizers.kernel,
      constraint: this.constraints.kernel,
    });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, k], {
      initializer: this.recurrentInitializer,
      regularizer: this.regularizers.recurrent,
      constraint: this.constraints.recurrent,
    });
    if (this.useBias) {
      const { shape, initializer } = this.biasSpec();
      this.bias = this.addWeight('bias', shape, { initializer, regularizer: this.regularizers.bias, constraint: this.constraints.bias });
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const [time] = this.sequenceShape(inputShape);
    const output: LayerShape = this.returnSequences ? [time, this.units] : [this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, () => [this.units])];
  }

  /** The output's mask is the sequence's when returning sequences (Keras); states have none. */
  override computeMask(_inputs: Tensors, mask: Masks | undefined): Masks {
    const out = this.returnSequences ? (firstMask(mask) ?? null) : null;
    return this.returnState ? [out, ...Array.from({ length: this.stateCount }, () => null)] : out;
  }

  /**
   * One timestep: x the step's input projection ([batch, gates * units], bias included), h the
   * previous states (h first), hIn the previous output as the recurrent product reads it
   * (recurrent dropout applied). Returns the new states, the output first.
   */
  protected abstract step(x: nb.Tensor, states: nb.Tensor[], hIn: nb.Tensor, w: StepWeights): nb.Tensor[];

  /** The step's weights, prepared once per call (GRU cuts its recurrent kernel here, not at every step). */
  protected prepare(w: StepWeights): StepWeights {
    return w;
  }

  /** The part of the bias added to the inputs' projection (GRU's resetAfter splits it). */
  protected inputBias(bias: nb.Tensor): nb.Tensor {
    return bias;
  }

  /** The part of the bias added to the recurrent product, if any. */
  protected recurrentBias(_bias: nb.Tensor): nb.Tensor | undefined {
    return undefined;
  }

  override call(inputs: Tensors, ctx: CallContext): Tensors {
    const [x, ...given] = Array.isArray(inputs) ? inputs : [inputs];
    const [batch, time, features] = x.shape;
    if (time === 0) throw new nb.NablaError(`${this.name}: needs at least one timestep, got input shape [${x.shape}]`);
    const mask = firstMask(ctx.mask);
    if (mask && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time)) {
      throw new nb.NablaError(`${this.name}: the mask must be [batch, time] = [${batch},${time}], got [${mask.shape}]`);
    }
    const dtype = x.dtype;
    const zeros = () => nb.zeros([batch, this.units], dtype);
    let states = given.length > 0 ? given.map((s) => nb.cast(s, dtype)) : Array.from({ length: this.stateCount }, zeros);
    const drop = ctx.training ? this.dropoutMasks(batch, features, dtype, ctx.seed) : {};

    // Every timestep's projection in one matmul, time-major: [time, batch, gates * units].
    const k = this.gates * this.units;
    const seq = drop.input ? nb.mul(x, nb.expandDims(drop.input, 1)) : x;
    let projected = nb.matmul(nb.reshape(nb.transpose(seq, [1, 0, 2]), [time * batch, features]), (this.kernel as Weight).value);
    const bias = this.bias?.value;
    if (bias) projected = nb.add(projected, this.inputBias(bias));
    const steps = nb.reshape(projected, [time, batch, k]);
    const w = this.prepare({ recurrentKernel: (this.recurrentKernel as Weight).value, recurrentBias: bias && this.recurrentBias(bias) });

    let output = mask ? zeros() : states[0];
    const outputs: nb.Tensor[] = [];
    for (let i = 0; i < time; i++) {
      const t = this.goBackwards ? time - 1 - i : i;
      const xt = nb.reshape(nb.slice(steps, [t, 0, 0], [1, batch, k]), [batch, k]);
      const hIn = drop.recurrent ? nb.mul(states[0], drop.recurrent) : states[0];
      const next = this.step(xt, states, hIn, w);
      if (mask) {
        const m = nb.reshape(nb.slice(mask, [0, t], [batch, 1]), [batch, 1]);
        output = nb.where(m, next[0], this.zeroOutputForMask ? nb.zerosLike(next[0]) : output);
        states = next.map((s, j) => nb.where(m, s, states[j]));
      } else {
        output = next[0];
        states = next;
      }
      if (this.returnSequences) outputs.push(output);
    }
    if (this.goBackwards && this.outputsInTimeOrder) outputs.reverse();
    const result = this.returnSequences ? nb.transpose(nb.stack(outputs, 0), [1, 0, 2]) : output;
    return this.returnState ? [result, ...states] : result;
  }

  /**
   * Keras's dropout masks: one per call, the same at every timestep, kept values scaled by
   * 1 / (1 - rate). Both come from one draw, so that they are independent.
   */
  private dropoutMasks(
    batch: number,
    features: number,
    dtype: nb.DType,
    stepSeed?: nb.Tensor,
  ): { input?: nb.Tensor; recurrent?: nb.Tensor } {
    if (this.dropout === 0 && this.recurrentDropout === 0) return {};
    const seed = stepSeed ? nb.add(stepSeed, nb.scalar(this.seed | 0, 'int32')) : undefined;
    const u = nb.randomUniform([batch, features + this.units], seed === undefined ? { dtype } : { dtype, seed });
    const keep = (part: nb.Tensor, rate: number) =>
      nb.where(nb.greaterEqual(part, rate), nb.scalar(1 / (1 - rate), dtype), nb.scalar(0, dtype));
    return {
      input: this.dropout > 0 ? keep(nb.slice(u, [0, 0], [batch, features]), this.dropout) : undefined,
      recurrent: this.recurrentDropout > 0 ? keep(nb.slice(u, [0, features], [batch, this.units]), this.recurrentDropout) : undefined,
    };
  }

  override getConfig(): Record<string, unknown> {
    const ser = <T>(v: T | undefined, f: (v: T) => unknown) => (v === undefined ? undefined : f(v));
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: ser(this.regularizers.kernel, serializeRegularizer),
      recurrentRegularizer: ser(this.regularizers.recurrent, serializeRegularizer),
      biasRegularizer: ser(this.regularizers.bias, serializeRegularizer),
      kernelConstraint: ser(this.constraints.kernel, serializeConstraint),
      recurrentConstraint: ser(this.constraints.recurrent, serializeConstraint),
      biasConstraint: ser(this.constraints.bias, serializeConstraint),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
    };
  }
}

/** The sequence's mask: the first input's when the layer has several inputs. */
export function firstMask(mask: Masks | undefined): Mask | undefined {
  return Array.isArray(mask) ? mask[0] : mask;
}
