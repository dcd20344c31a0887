import * as nb from '@nabla/core';
import type * as ort from 'onnxruntime-node';
import { expect } from 'vitest';

/** One input or output entry of a config.pbtxt. */
export interface ConfigEntry {
  name: string;
  dataType: string;
  dims: number[];
  /** reshape: { shape: [...] }, when there is one. */
  reshape?: number[];
}

export interface ParsedConfig {
  name: string;
  platform: string;
  backend: string;
  maxBatchSize: number;
  inputs: ConfigEntry[];
  outputs: ConfigEntry[];
  text: string;
}

const numbers = (s: string) =>
  s
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map(Number);

/** The fields of a config.pbtxt the tests compare, read with regexes (the text format nabla writes, not all of protobuf's). */
export function parseConfig(text: string): ParsedConfig {
  const scalar = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1];
  const section = (kind: string): ConfigEntry[] => {
    const body = new RegExp(`^${kind} \\[\\n([\\s\\S]*?)^\\]`, 'm').exec(text)?.[1] ?? '';
    return [...body.matchAll(/\{([\s\S]*?)\n {2}\}/g)].map(([, block]) => {
      const reshape = /reshape: \{ shape: \[(.*)\] \}/.exec(block)?.[1];
      return {
        name: JSON.parse(/name: (".*")/.exec(block)?.[1] ?? '""'),
        dataType: /data_type: (\w+)/.exec(block)?.[1] ?? '',
        dims: numbers(/dims: \[(.*)\]/.exec(block)?.[1] ?? ''),
        ...(reshape === undefined ? {} : { reshape: numbers(reshape) }),
      };
    });
  };
  return {
    name: JSON.parse(scalar('name') ?? '""'),
    platform: JSON.parse(scalar('platform') ?? '""'),
    backend: JSON.parse(scalar('backend') ?? '""'),
    maxBatchSize: Number(scalar('max_batch_size')),
    inputs: section('input'),
    outputs: section('output'),
    text,
  };
}

const TRITON_TYPES: Record<string, string> = {
  float32: 'TYPE_FP32',
  int32: 'TYPE_INT32',
  bool: 'TYPE_BOOL',
  float64: 'TYPE_FP64',
  int64: 'TYPE_INT64',
};

/**
 * The config's inputs and outputs against the graph's, as onnxruntime reads them from the model:
 * the same names in the same order, the same types, a symbolic batch axis first on every one,
 * and dims that are the rest of the shape ([1] reshaped to [] for a per-sample scalar).
 */
export function expectConfigMatchesGraph(config: ParsedConfig, session: ort.InferenceSession): void {
  const check = (entries: ConfigEntry[], meta: readonly ort.InferenceSession.ValueMetadata[], what: string) => {
    expect(
      entries.map((e) => e.name),
      `${what} names`,
    ).toEqual(meta.map((m) => m.name));
    entries.forEach((e, k) => {
      const m = meta[k];
      if (!m.isTensor) throw new Error(`${what} ${m.name} is not a tensor`);
      expect(typeof m.shape[0], `${what} ${m.name}: the batch axis is symbolic`).toBe('string');
      expect(m.shape.length, `${what} ${m.name}: no rank-0 value`).toBeGreaterThan(0);
      expect(e.dataType, `${what} ${m.name}: type`).toBe(TRITON_TYPES[m.type]);
      const sample = m.shape.slice(1);
      if (config.maxBatchSize === 0) expect(e.dims).toEqual([-1, ...sample]);
      else if (sample.length === 0) expect([e.dims, e.reshape], `${what} ${m.name}: a per-sample scalar`).toEqual([[1], []]);
      else expect([e.dims, e.reshape], `${what} ${m.name}: dims`).toEqual([sample, undefined]);
    });
  };
  check(config.inputs, session.inputMetadata, 'input');
  check(config.outputs, session.outputMetadata, 'output');
}

/** A nabla tensor as an onnxruntime feed. */
export async function feed(ortModule: typeof ort, t: nb.Tensor): Promise<ort.Tensor> {
  const data = await t.data();
  if (t.dtype === 'int32') return new ortModule.Tensor('int32', Int32Array.from(data), t.shape);
  if (t.dtype === 'bool') return new ortModule.Tensor('bool', Uint8Array.from(data), t.shape);
  return new ortModule.Tensor('float32', Float32Array.from(data), t.shape);
}

/** The largest difference between an output and nabla's values, relative above 1 (see export-check's TOLERANCE). */
export function worstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = got.length === want.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
}

/** model.predict's outputs as arrays, and their shapes. */
export async function predicted(
  model: { predict(x: nb.Tensor | nb.Tensor[]): nb.Tensor | nb.Tensor[] },
  inputs: nb.Tensor[],
): Promise<{ shape: number[]; data: ArrayLike<number> }[]> {
  nb.setBackend('cpu');
  const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const list = Array.isArray(out) ? out : [out];
  const result = await Promise.all(list.map(async (t) => ({ shape: [...t.shape], data: await t.data() })));
  nb.dispose(list);
  return result;
}
