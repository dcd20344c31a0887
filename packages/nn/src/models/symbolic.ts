import * as nb from '@nabla/core';
import { type Layer, type LayerShape, type Shapes, shapeList, traceOutputs } from '../layers/layer.js';
import { checkConfig, shapeCheck } from '../options.js';

/** One call of a layer in a functional model: the layer, what it was given, what it returned. */
export interface LayerCall {
  readonly layer: Layer;
  readonly inputs: SymbolicTensor[];
  /** Whether the layer was given a list (even of one), as call() then receives it. */
  readonly listInput: boolean;
  /** Whether the layer returned a list. */
  readonly listOutput: boolean;
  readonly outputs: SymbolicTensor[];
}

/**
 * A placeholder for a tensor in a functional model (Keras's KerasTensor, TensorFlow.js's
 * SymbolicTensor): its shape with the batch axis first (null), its dtype, and the layer call
 * that makes it, or none for a model input.
 */
export class SymbolicTensor {
  constructor(
    /** The shape, batch axis first (null). */
    readonly shape: readonly (number | null)[],
    readonly dtype: nb.DType,
    readonly name: string,
    /** The layer call that returns it; undefined for an `nn.input`. */
    readonly producer?: LayerCall,
    /** Its position among the producer's outputs. */
    readonly index = 0,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, [${this.shape.map((d) => d ?? 'null').join(',')}], ${this.dtype})`;
  }
}

export interface InputArgs {
  /** One sample's shape, without the batch axis. */
  shape: number[];
  dtype?: nb.DType;
  name?: string;
}

let inputs = 0;

/**
 * A functional model's input (Keras's keras.Input, TensorFlow.js's tf.input):
 * `const x = nn.input({ shape: [28, 28, 1] })`; call layers on it with `layer.apply(x)`, then
 * `new nn.Model({ inputs: x, outputs: y })`.
 */
export function input(args: InputArgs, ...extra: unknown[]): SymbolicTensor {
  nb.checkArity('input', [args, ...extra], 1);
  const o = checkConfig('input', args, { shape: shapeCheck, dtype: nb.is.oneOf(...nb.DTYPES), name: nb.is.string });
  if (o?.shape === undefined)
    throw new nb.NablaError("input: needs { shape }, one sample's shape without the batch axis, e.g. { shape: [784] }");
  if (o.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new nb.NablaError(`input: shape must be positive integers, got [${o.shape}]`);
  }
  return new SymbolicTensor([null, ...o.shape], o.dtype ?? 'float32', o.name ?? `input_${++inputs}`);
}

/** Whether a layer was given symbolic tensors (one, or a non-empty list of them). */
export function isSymbolic(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  if (x instanceof SymbolicTensor) return true;
  if (!Array.isArray(x) || x.length === 0 || !x.some((t) => t instanceof SymbolicTensor)) return false;
  if (!x.every((t) => t instanceof SymbolicTensor)) {
    throw new nb.NablaError('apply: give symbolic tensors (from nn.input) or tensors, not a mix');
  }
  return true;
}

/** Records a call of `layer` on symbolic inputs and returns its symbolic outputs. */
export function applySymbolic(layer: Layer, given: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
  const list = Array.isArray(given) ? given : [given];
  const samples: LayerShape[] = list.map((t) => t.shape.slice(1));
  const shapes: Shapes = Array.isArray(given) ? samples : samples[0];
  if (!layer.built) layer.build(shapes);
  const expected = shapeList(layer.inputShape as Shapes);
  const fits =
    expected.length === samples.length &&
    expected.every(
      (e, k) => e.length === samples[k].length && e.every((d, i) => d === null || samples[k][i] === null || d === samples[k][i]),
    );
  if (!fits) {
    const show = (s: readonly (number | null)[]) => `[null,${s.map((d) => d ?? 'null').join(',')}]`;
    throw new nb.NablaError(`${layer.name}: expected input shape ${expected.map(show).join(', ')}, got ${samples.map(show).join(', ')}`);
  }
  const known = samples.every((s) => s.every((d) => d !== null));
  const traced = known
    ? traceOutputs(
        layer,
        shapes,
        list.map((t) => t.dtype),
      )
    : { shapes: layer.computeOutputShape(shapes), dtypes: [] as nb.DType[] };
  const listOutput = Array.isArray(traced.shapes) && Array.isArray(traced.shapes[0]);
  const outShapes = shapeList(traced.shapes);
  const outputs: SymbolicTensor[] = [];
  const call: LayerCall = { layer, inputs: list, listInput: Array.isArray(given), listOutput, outputs };
  outShapes.forEach((s, k) => {
    outputs.push(
      new SymbolicTensor([null, ...s], traced.dtypes[k] ?? 'float32', `${layer.name}/out${outShapes.length > 1 ? k : ''}`, call, k),
    );
  });
  return listOutput ? outputs : outputs[0];
}
