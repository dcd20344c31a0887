import { resolve } from 'node:path';
import * as nb from '@nabla/core';
import { loadModel, type Model } from '@nabla/nn';
import { UsageError } from '../args.js';
import { useBackend } from '../backends.js';
import { type InputArray, readInput } from '../input.js';
import type { Io } from '../io.js';
import { writeOwnFile } from '../plot.js';

export interface PredictOptions {
  model: string;
  input: string;
  backend?: string;
  output?: string;
}

/** What predict writes names its producer, so that a later --output may replace it and nothing else. */
const PRODUCER = 'nabla predict';

/**
 * `nabla predict --model DIR --input FILE`: loads a saved model, checks the file's array against
 * the model's input (a batch of samples of its sample shape), and prints the predictions as JSON
 * (or writes them to --output).
 */
export async function predict(opts: PredictOptions, io: Io): Promise<number> {
  useBackend(opts.backend);
  const input = await readInput(opts.input);
  // Uncompiled: predicting needs no loss, so a model compiled with the user's own functions loads too.
  // biome-ignore lint/suspicious/noExplicitAny: a saved model of any outputs
  const model: Model<any> = await loadModel(opts.model, { compile: false });
  try {
    const names = model.inputNames;
    if (names.length !== 1)
      throw new UsageError(
        `predict: the model in ${opts.model} takes ${names.length} inputs (${names.join(', ')}); nabla predict feeds models of one input`,
      );
    const sample = model.inputShape ?? [];
    const dtype = inputDtype(model);
    checkShape(opts, input, sample);
    if (dtype === 'int32') checkIntegers(opts.input, input);
    const x = nb.tensor(dtype === 'int32' ? Int32Array.from(input.values) : Float32Array.from(input.values), input.shape, dtype);
    const outputs = nb.tidy(() => {
      const y = model.predict(x);
      return Array.isArray(y) ? y : [y];
    });
    x.dispose();
    const read = await Promise.all(outputs.map(async (t) => ({ shape: t.shape, dtype: t.dtype, data: await t.data() })));
    nb.dispose(outputs);
    const doc = {
      producer: PRODUCER,
      model: opts.model,
      input: opts.input,
      ...(read.length === 1
        ? { shape: read[0].shape, predictions: nested(read[0].data, read[0].shape, read[0].dtype) }
        : {
            outputs: Object.fromEntries(
              read.map((r, k) => [model.outputNames[k], { shape: r.shape, predictions: nested(r.data, r.shape, r.dtype) }]),
            ),
          }),
    };
    const text = jsonText(doc);
    if (opts.output) {
      await writeOwnFile('predict', opts.output, text, ownsJson);
      io.out(`wrote ${read.map((r) => `[${r.shape.join(', ')}]`).join(' and ')} predictions to ${resolve(opts.output)}`);
    } else io.out(text.trimEnd());
    return 0;
  } finally {
    model.dispose();
  }
}

/** The dtype the model's input takes: a functional model's input says; a Sequential starting with an Embedding takes int32 ids. */
// biome-ignore lint/suspicious/noExplicitAny: a saved model of any outputs
function inputDtype(model: Model<any>): nb.DType {
  if (model.className === 'Model') return model.inputs[0].dtype;
  return model.layers[0]?.className === 'Embedding' ? 'int32' : 'float32';
}

function checkShape(opts: PredictOptions, input: InputArray, sample: readonly (number | null)[]): void {
  const ok = input.shape.length === sample.length + 1 && sample.every((d, i) => d === null || d === input.shape[i + 1]);
  if (ok) return;
  const expected = `[batch, ${sample.map((d) => d ?? 'any').join(', ')}]`;
  const hint =
    input.shape.length === sample.length && sample.every((d, i) => d === null || d === input.shape[i])
      ? ' (one sample? wrap it in a list: a batch of one)'
      : '';
  throw new UsageError(
    `predict: the model in ${opts.model} takes input of shape ${expected} (batch: any number of samples); ${opts.input} has shape [${input.shape.join(', ')}]${hint}`,
  );
}

function checkIntegers(path: string, input: InputArray): void {
  const bad = input.values.findIndex((v) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
  if (bad >= 0)
    throw new UsageError(`predict: the model takes int32 input (token ids); ${path} has ${input.values[bad]} at flat index ${bad}`);
}

/**
 * The values as nested arrays of `shape`. float32 values print as the shortest decimal that
 * reads back as the same float32 (0.1, not 0.10000000149011612).
 */
function nested(data: ArrayLike<number | boolean>, shape: readonly number[], dtype: nb.DType): unknown {
  const show = (v: number | boolean) => (typeof v === 'boolean' ? v : dtype === 'float32' ? shortestFloat32(v) : v);
  if (shape.length === 0) return show(data[0]);
  let at = 0;
  const build = (depth: number): unknown[] =>
    Array.from({ length: shape[depth] }, () => (depth === shape.length - 1 ? show(data[at++]) : build(depth + 1)));
  return build(0);
}

export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

/** JSON with the innermost arrays on one line: a row of predictions per line. */
function jsonText(doc: unknown): string {
  const text = JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
  // Collapse arrays of scalars onto one line.
  return `${text.replace(/\[\s*([^[\]{}]*?)\s*\]/g, (_m, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`)}\n`;
}

function ownsJson(old: string): boolean {
  try {
    return (JSON.parse(old) as { producer?: unknown }).producer === PRODUCER;
  } catch {
    return false;
  }
}
