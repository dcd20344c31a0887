import * as nb from '@nabla/core';
import type { LayerShape } from '../layers/layer.js';
import { asTensor } from './data.js';

/** numpy's round, which Keras uses for labels: halves go to the even neighbour (0.5 -> 0, 1.5 -> 2). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A weight per class index, as Keras's and TensorFlow.js's class_weight: `{ 0: 1, 1: 50 }`. */
export type ClassWeight = Record<number, number>;

/**
 * Sample weights as given (a tensor or an array) checked and made float32 [n]: one finite,
 * non-negative weight per sample, of shape [n] or [n, 1]. The result is a new tensor, the caller's to free.
 */
export async function resolveSampleWeight(op: string, given: nb.TensorLike, n: number): Promise<nb.Tensor> {
  const t = asTensor(op, 'sampleWeight', given);
  const ok = (t.rank === 1 && t.shape[0] === n) || (t.rank === 2 && t.shape[0] === n && t.shape[1] === 1);
  if (!ok) {
    if (t !== given) t.dispose();
    throw new nb.NablaError(`${op}: sampleWeight must have one weight per sample, shape [${n}] or [${n},1], got [${t.shape.join(',')}]`);
  }
  const w = nb.keep(nb.cast(nb.reshape(t, [n]), 'float32'));
  if (t !== given && t !== w) t.dispose();
  const data = await w.data();
  const bad = Array.from(data).findIndex((v) => !(Number.isFinite(v) && v >= 0));
  if (bad >= 0) {
    const value = data[bad];
    w.dispose();
    throw new nb.NablaError(`${op}: sampleWeight must be finite and non-negative, got ${value} at position [${bad}]`);
  }
  // The caller frees what this returns, so never the user's own tensor: a float32 [n] passes the
  // reshape and the cast unchanged (fit and evaluate disposed the user's weights).
  return w === given ? nb.keep(nb.tensor(data, [n], 'float32')) : w;
}

/**
 * Each sample's class weight, float32 [n], as Keras's class_weight_to_sample_weights: the class
 * of a sample is the argMax of one-hot labels (a last axis over 1), else the label rounded;
 * classes not listed weigh 1. The keys must be class indices of the model's output: 0 and 1
 * for one unit (a sigmoid), 0 to units - 1 otherwise. Labels are read on the host once per fit.
 */
export async function classWeights(classWeight: ClassWeight, y: nb.Tensor, outputShape: LayerShape): Promise<nb.Tensor> {
  const units = outputShape[outputShape.length - 1] ?? 1;
  const classes = Math.max(units, 2);
  const table = new Map<number, number>();
  for (const [key, value] of Object.entries(classWeight)) {
    const cls = Number(key);
    if (!Number.isInteger(cls) || cls < 0 || String(cls) !== key) {
      throw new nb.NablaError(`fit: classWeight keys must be class indices (0, 1, ...), got '${key}'`);
    }
    if (cls >= classes) {
      throw new nb.NablaError(
        `fit: classWeight has class ${cls}, but the model's output has ${classes} classes (0 to ${classes - 1})` +
          (units === 1 ? ': one unit is binary' : ''),
      );
    }
    if (typeof value !== 'number' || !(Number.isFinite(value) && value >= 0)) {
      throw new nb.NablaError(`fit: classWeight of class ${cls} must be a finite non-negative number, got ${nb.describe(value)}`);
    }
    table.set(cls, value);
  }
  if (y.rank > 2) throw new nb.NablaError(`fit: classWeight needs labels of rank 1 or 2, got shape [${y.shape.join(',')}]`);
  const n = y.shape[0];
  const last = y.rank === 2 ? y.shape[1] : 1;
  const values = await y.data();
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (last > 1) {
      // argMax of the row, the first on ties (numpy's and Keras's rule)
      cls = 0;
      for (let j = 1; j < last; j++) if (Number(values[i * last + j]) > Number(values[i * last + cls])) cls = j;
    } else {
      cls = roundHalfEven(Number(values[i]));
    }
    weights[i] = table.get(cls) ?? 1;
  }
  return nb.keep(nb.tensor(weights, [n], 'float32'));
}
