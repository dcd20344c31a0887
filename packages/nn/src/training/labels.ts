import * as nb from '@nabla/core';
import { takesClassIndices } from '../class-indices.js';
import type { LayerShape } from '../layers/layer.js';
import type { AnyModel } from '../models/model.js';

/**
 * Class-index labels checked where the user can find them. The compiled step checks every label
 * too, but it sees a batch gathered in shuffled order, so the position it names is in that batch,
 * not in the user's y. Labels held in memory are therefore read once, before the first step, and
 * a bad one is reported by its position in y: `fit: y[1234] is 5, out of range for
 * sparseCategoricalCrossentropy's 3 classes`. Batches streamed from a dataset keep the step's
 * check, which names the batch (see inBatch).
 */

/** Whether a sample's label shape is `lead` (null matching any size). */
function fits(sample: readonly number[], lead: LayerShape): boolean {
  return sample.length === lead.length && lead.every((d, i) => d === null || d === sample[i]);
}

/** The coordinates of flat position j in a shape, row-major. */
function unravel(j: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    at[i] = j % shape[i];
    j = Math.floor(j / shape[i]);
  }
  return at;
}

/**
 * With a loss that takes class indices (sparseCategoricalCrossentropy), reads y once and throws
 * for the first label outside [0, classes), classes being the last dimension of the model's
 * output (the model is built). A label is valid when its integer part is a class, as the loss
 * truncates non-integers (1.5 is class 1, as TensorFlow.js); NaN and infinities are errors.
 * Does nothing with other losses (y is not read), or when y's shape does not fit the output:
 * the loss reports that shape at the first step. Returns nothing then, so that the caller awaits
 * nothing (fit and evaluate keep their order of events with other losses).
 */
export function checkClassLabels(method: string, model: AnyModel, y: nb.Tensor): Promise<void> | undefined {
  const loss = model.requireCompiled(method).loss;
  if (!takesClassIndices(loss.fn)) return undefined;
  const out = model.outputShape;
  const classes = out[out.length - 1];
  if (out.length === 0 || classes === null || classes === undefined || y.rank === 0) return undefined;
  // The output's shape is a sample's (no batch axis): a sample's labels are its leading axes, or those and 1.
  const lead = out.slice(0, -1);
  const sample = y.shape.slice(1);
  if (!(fits(sample, lead) || fits(sample, [...lead, 1]))) return undefined;
  return y.data().then((values) => firstBadLabel(method, loss.name, classes, y.shape, values));
}

/** Throws for the first label outside [0, classes), by its position in y. */
function firstBadLabel(method: string, loss: string, classes: number, shape: readonly number[], values: ArrayLike<unknown>): void {
  for (let j = 0; j < values.length; j++) {
    const v = Number(values[j]);
    if (!(v > -1 && v < classes)) {
      throw new nb.NablaError(`${method}: y[${unravel(j, shape).join(',')}] is ${v}, out of range for ${loss}'s ${classes} classes`);
    }
  }
}

/** An index error of a compiled step (`... at position [2] is out of range for 3 classes`). */
const INDEX_ERROR = / at position \[[\d,]*\] is out of range for /;

/**
 * A step's index error on a batch from a dataset, with the batch it came from appended
 * (`... is out of range for 3 classes (fit: in batch 3 of epoch 1)`): the position it names is
 * in that batch. Any other error is returned as it is.
 */
export function inBatch(e: unknown, method: string, first: number, count: number, epoch?: number): unknown {
  if (!(e instanceof nb.NablaError) || !INDEX_ERROR.test(e.message)) return e;
  const batches = count === 1 ? `batch ${first + 1}` : `batches ${first + 1} to ${first + count}`;
  const of = epoch === undefined ? '' : ` of epoch ${epoch + 1}`;
  return new nb.NablaError(`${e.message} (${method}: in ${batches}${of})`, { cause: e });
}
