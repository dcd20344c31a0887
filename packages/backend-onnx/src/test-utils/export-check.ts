import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { type ExportableModel, type ExportOptions, toOnnx } from '../export.js';

/**
 * Float32 agreement between onnxruntime and nabla's CPU backend: 1e-5, relative above 1 (sums of
 * a few dozen float32 products reorder differently in the two runtimes, about 1e-7 each).
 */
export const TOLERANCE = 1e-5;

interface Predicting extends ExportableModel {
  predict(x: nb.Tensor | nb.Tensor[]): nb.Tensor | nb.Tensor[];
  dispose(): void;
}

/** Every weight drawn anew (variances positive), so that zero biases and unit statistics hide nothing. */
export function randomize(
  model: { weights: { name: string; shape: readonly number[]; assign(v: nb.Tensor): void }[] },
  seed: number,
): void {
  model.weights.forEach((w, i) => {
    const positive = /variance/i.test(w.name);
    const range = positive ? { minval: 0.5, maxval: 1.5 } : { minval: -0.8, maxval: 0.8 };
    w.assign(nb.keep(nb.randomUniform([...w.shape], { ...range, seed: seed * 1000 + i })));
  });
}

function ortTensor(t: nb.Tensor, data: ArrayLike<number>): ort.Tensor {
  if (t.dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(data), t.shape);
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(data), t.shape);
  return new ort.Tensor('float32', Float32Array.from(data), t.shape);
}

/**
 * Exports the model to bytes, runs them in a fresh onnxruntime session on `inputs`, and checks
 * each output against model.predict. Returns the session's input and output names.
 */
export async function expectSameAsPredict(
  model: Predicting,
  inputs: nb.Tensor[],
  opts: ExportOptions = {},
): Promise<{ inputNames: readonly string[]; outputNames: readonly string[] }> {
  nb.setBackend('cpu');
  const session = await ort.InferenceSession.create(await toOnnx(model, opts));
  try {
    expect(session.inputNames.length).toBe(inputs.length);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, name] of session.inputNames.entries()) feeds[name] = ortTensor(inputs[k], await inputs[k].data());
    const out = await session.run(feeds);
    const predicted = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    const expected = Array.isArray(predicted) ? predicted : [predicted];
    expect(session.outputNames.length).toBe(expected.length);
    for (const [k, name] of session.outputNames.entries()) {
      const want = expected[k];
      expect(out[name].dims, `output ${name}`).toEqual(want.shape);
      const got = out[name].data as Float32Array;
      const data = await want.data();
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(got[i] - data[i]) / Math.max(1, Math.abs(data[i])));
      expect(worst, `output ${name}: largest difference`).toBeLessThan(TOLERANCE);
    }
    nb.dispose(expected);
    return { inputNames: session.inputNames, outputNames: session.outputNames };
  } finally {
    await session.release();
  }
}
