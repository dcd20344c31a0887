import * as nb from '@nabla/core';
import { type Layer, layerFromConfig, type Masks, type Tensors, type Weight, withWeightValues } from '@nabla/nn';
import type { Case, Outcome } from '../case.js';
import type { FixtureTensor, LayerCase, LayerSpec } from '../fixtures.js';
import { TOLERANCES } from '../tolerance.js';
import { check, toTensor } from './ops.js';

/**
 * Layer classes the fixtures cover that @nabla/nn does not have yet. Their layer cases and
 * training runs are left out until the layer lands; layers.test.ts fails once one of them is
 * registered (take it off this list then) and when a fixture uses a class that is neither
 * registered nor listed here, so no case is dropped unnoticed.
 */
export const PENDING_LAYERS: ReadonlySet<string> = new Set([]);

/** The class names in layer specs, wrapped layers (Bidirectional's `layer`) included. */
export function classesOf(specs: readonly (LayerSpec | object)[]): string[] {
  return specs.flatMap((s) => {
    if (!('className' in s)) return ['Dense'];
    const inner = s.config.layer as LayerSpec | undefined;
    return [s.className, ...(inner ? classesOf([inner]) : [])];
  });
}

/** Keras call arguments each class takes here, beyond its own inputs; any other leaves a case out. */
const CALL_ARGS: Record<string, readonly string[]> = {
  MultiHeadAttention: ['attentionMask', 'valueMask'],
  TransformerEncoder: ['paddingMask', 'attentionMask'],
  Embedding: [],
  SimpleRNN: ['mask', 'initialState'],
  LSTM: ['mask', 'initialState'],
  GRU: ['mask', 'initialState'],
};

/** Why a case cannot run on nabla yet, or undefined. */
export function leftOut(fx: LayerCase): string | undefined {
  const pending = classesOf(fx.layers).filter((c) => PENDING_LAYERS.has(c));
  if (pending.length > 0) return `@nabla/nn has no ${[...new Set(pending)].join(', ')} yet`;
  const first = fx.layers[0].className;
  const allowed = CALL_ARGS[first] ?? ['mask'];
  const arg = fx.inputs.find((i) => i.arg !== undefined && !allowed.includes(i.arg))?.arg;
  return arg === undefined ? undefined : `nabla's ${first} takes no ${arg} argument`;
}

/**
 * The first layer's inputs and masks from the case's tensors. MultiHeadAttention takes
 * [query, value, key, attentionMask] (value again as key when the case has none) and the value's
 * mask as the second of the inputs' masks; TransformerEncoder takes [x, attentionMask]; its
 * padding mask and a recurrent layer's mask are the input's mask.
 */
function callArgs(fx: LayerCase, tensors: nb.Tensor[]): { x: Tensors; mask?: Masks } {
  const own = tensors.filter((_, i) => fx.inputs[i].arg === undefined);
  const byArg = (arg: string) => tensors.find((_, i) => fx.inputs[i].arg === arg);
  const attention = byArg('attentionMask');
  // A recurrent layer's initial states follow the sequence as extra inputs.
  const states = tensors.filter((_, i) => fx.inputs[i].arg === 'initialState');
  const list = attention ? [...own, ...(own.length === 2 ? [own[1]] : []), attention] : [...own, ...states];
  const valueMask = byArg('valueMask');
  const mask = byArg('mask') ?? byArg('paddingMask') ?? (valueMask ? [null, valueMask, ...(own.length > 2 ? [null] : [])] : undefined);
  return { x: list.length === 1 ? list[0] : list, mask };
}

/** The layers applied in sequence, each given the mask the one before computed (as Keras threads masks). */
function apply(layers: Layer[], fx: LayerCase, tensors: nb.Tensor[], training: boolean): nb.Tensor[] {
  let { x, mask } = callArgs(fx, tensors);
  for (const layer of layers) {
    const y = layer.apply(x, { training, ...(mask !== undefined ? { mask } : {}) });
    mask = layer.computeMask(x, mask) ?? undefined;
    x = y as Tensors;
  }
  return Array.isArray(x) ? x : [x];
}

/**
 * Builds the case's layers from their configs through nn's registry (the Keras call options
 * nabla takes at construction, useCausalMask and returnAttentionScores, go to the first
 * layer's config), builds them on the inputs, and sets every weight in order, checking its
 * shape and whether it is trainable.
 */
function setUp(fx: LayerCase): { layers: Layer[]; inputs: nb.Tensor[] } {
  const inputs = fx.inputs.map((t) => toTensor(t));
  const layers: Layer[] = [];
  try {
    for (const [i, l] of fx.layers.entries()) layers.push(layerFromConfig(l.className, { ...l.config, ...(i === 0 ? fx.call : {}) }));
    nb.tidy(() => {
      apply(layers, fx, inputs, false);
    });
    for (const [i, layer] of layers.entries()) {
      const want = fx.layers[i].weights;
      const got = layer.weights;
      if (got.length !== want.length) {
        throw new nb.NablaError(
          `${layer.name} has ${got.length} weights, the case gives ${want.length} (${want.map((w) => w.name).join(', ')})`,
        );
      }
      for (const [k, w] of got.entries()) {
        if (!nb.shapesEqual(w.shape, want[k].shape)) {
          throw new nb.NablaError(`${w.name} has shape [${w.shape}], the case's ${want[k].name} [${want[k].shape}]`);
        }
        if (w.trainable !== (want[k].trainable ?? true)) {
          throw new nb.NablaError(`${w.name} is ${w.trainable ? '' : 'not '}trainable, the case's ${want[k].name} is the opposite`);
        }
        w.assign(nb.keep(toTensor(want[k], 'float32')));
      }
    }
  } catch (e) {
    for (const layer of layers) layer.dispose();
    nb.dispose(inputs);
    throw e;
  }
  return { layers, inputs };
}

function tearDown({ layers, inputs }: { layers: Layer[]; inputs: nb.Tensor[] }): void {
  for (const layer of layers) layer.dispose();
  nb.dispose(inputs);
}

/** Compares tensors with fixture tensors in order; the first failure, else the largest error. */
async function checkAll(pairs: [nb.Tensor, FixtureTensor, string][], tolerance: { rtol: number; atol: number }): Promise<Outcome> {
  let maxError = 0;
  for (const [actual, expected, what] of pairs) {
    const o = await check(actual, { ...expected, dtype: expected.dtype ?? 'float32' }, tolerance, what);
    if (o.status === 'fail') return o;
    maxError = Math.max(maxError, o.maxError ?? 0);
  }
  return { status: 'pass', maxError };
}

/** The outputs, and the state a training call assigned (moving statistics), against the case's. */
function forwardCase(fx: LayerCase): Case {
  const tolerance = TOLERANCES.accumulate;
  return {
    id: `layer ${fx.id}`,
    group: 'layer',
    tolerance,
    run: async () => {
      const setup = setUp(fx);
      const { layers, inputs } = setup;
      const weights = layers.map((l) => l.weights);
      const { outs, updated } = nb.tidy(() => {
        const { result, updates } = withWeightValues(
          () => undefined,
          () => apply(layers, fx, inputs, fx.training),
        );
        return { outs: result, updated: weights.flat().map((w) => updates.get(w)) };
      });
      try {
        if (outs.length !== fx.outputs.length) return { status: 'fail', detail: `${outs.length} outputs, expected ${fx.outputs.length}` };
        const pairs: [nb.Tensor, FixtureTensor, string][] = outs.map((o, k) => [o, fx.outputs[k], `output ${k}`]);
        let flat = 0;
        for (const [i, ws] of weights.entries()) {
          for (const [k, w] of ws.entries()) {
            const want = fx.updatedWeights?.[i]?.[k];
            const got = updated[flat++];
            if (want && !got) return { status: 'fail', detail: `${w.name} was not updated; the case updates it` };
            if (want && got) pairs.push([got, want, `updated ${w.name}`]);
          }
        }
        return await checkAll(pairs, tolerance);
      } finally {
        nb.dispose([...outs, ...updated.filter((t): t is nb.Tensor => t !== undefined)]);
        tearDown(setup);
      }
    },
  };
}

/**
 * d sum_k(output_k * cotangent_k) with respect to every float input and trainable weight: the
 * weights' values are substituted by the differentiated tensors (withWeightValues, as the
 * training step does), so the gradient is nabla's own, through whatever the layer composes.
 */
function gradientCase(fx: LayerCase): Case {
  const fromDifferences = fx.gradSource === 'finiteDifferences';
  const tolerance = fromDifferences ? TOLERANCES.finiteDifference : TOLERANCES.gradient;
  return {
    id: `layer gradient ${fx.id}${fromDifferences ? ' (reference: central differences; TF.js defect)' : ''}`,
    group: 'layer-gradient',
    tolerance,
    run: async () => {
      const setup = setUp(fx);
      const { layers, inputs } = setup;
      const floatInputs = fx.grads.inputs.flatMap((g, i) => (g ? [i] : []));
      const trainable: Weight[] = [];
      const expected: [FixtureTensor, string][] = floatInputs.map((i) => [fx.grads.inputs[i] as FixtureTensor, `d/d input ${i}`]);
      for (const [i, layer] of layers.entries()) {
        for (const [k, w] of layer.weights.entries()) {
          const g = fx.grads.weights[i][k];
          if (g) {
            trainable.push(w);
            expected.push([g, `d/d ${w.name}`]);
          }
        }
      }
      const grads = nb.tidy(() => {
        const cotangents = fx.cotangents.map((c) => toTensor(c, 'float32'));
        const params = [...floatInputs.map((i) => inputs[i]), ...trainable.map((w) => w.value)];
        return nb.grad((ps: nb.Tensor[]) => {
          const xs = [...inputs];
          floatInputs.forEach((i, k) => {
            xs[i] = ps[k];
          });
          const values = new Map(trainable.map((w, k) => [w, ps[floatInputs.length + k]]));
          const outs = withWeightValues(
            (w) => values.get(w),
            () => apply(layers, fx, xs, fx.training),
          ).result;
          return outs.map((y, k) => nb.sum(nb.mul(y, cotangents[k]))).reduce((a, b) => nb.add(a, b));
        })(params);
      });
      try {
        return await checkAll(
          grads.map((g, k) => [g, ...expected[k]]),
          tolerance,
        );
      } finally {
        nb.dispose(grads);
        tearDown(setup);
      }
    },
  };
}

/** A forward case and a gradient case per layer case that nabla can run (see leftOut). */
export function layerCases(fixtures: readonly LayerCase[]): Case[] {
  const runnable = fixtures.filter((fx) => leftOut(fx) === undefined);
  return [...runnable.map(forwardCase), ...runnable.map(gradientCase)];
}
