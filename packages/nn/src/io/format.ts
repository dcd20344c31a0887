import * as nb from '@nabla/core';
import { isBuiltinLoss, type LossFn } from '../losses.js';
import { isBuiltinMetric, type MetricFn } from '../metrics.js';
import type { GraphConfig } from '../models/graph.js';
import { crc32 } from './checksum.js';
import { encodeOptimizerState, type OptimizerStateJson, type StatefulModel, validateOptimizerState } from './optimizer-state.js';

/**
 * The saved-model format, the same wherever it is stored (a folder, IndexedDB, downloaded files,
 * a web server): model.json (architecture, compile settings, a manifest of the weights, and the
 * weights file's name, size and CRC-32) and one weights file (the weights' bytes, little-endian,
 * in manifest order, then the optimizer's slots when model.json has an `optimizerState`).
 *
 * Versions: 1 had no `weightsFile` (the weights were always `weights.bin`, unchecked); 2 adds it;
 * 3 adds `optimizerState` (optimizer-state.ts), whose bytes follow the weights: a version-2 reader
 * would refuse the longer file with a misleading size error, so such a model says 3 and an older
 * nabla names the version instead. A model saved without optimizer state is written as version 2,
 * which every nabla since 2 reads. This nabla reads 1, 2 and 3; a newer version is a clear error.
 */
export const FORMAT = 'nabla-model';
/** The newest version this nabla writes: with the optimizer's state. */
export const VERSION = 3;
/** The version of a model saved without optimizer state. */
const WITHOUT_OPTIMIZER = 2;
const READS = [1, 2, 3];
/** The weights file of a version-1 model. */
export const V1_WEIGHTS = 'weights.bin';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: nb.DType;
  /** Byte offset in the weights file. */
  offset: number;
  byteLength: number;
}

export interface WeightsFile {
  /** File name, relative to model.json. */
  path: string;
  byteLength: number;
  /** CRC-32 of the whole file, 8 hex digits (absent in version 1). */
  crc32?: string;
}

export interface ModelJson {
  format: typeof FORMAT;
  version: number;
  /** 'Sequential' (its layers in order) or 'Model' (a functional model: `graph`). */
  className: 'Sequential' | 'Model';
  name: string;
  /** A Sequential's layers in order; empty for a functional model, whose layers are in `graph`. */
  layers: { className: string; config: Record<string, unknown> }[];
  /** A functional model's inputs, layers, calls and outputs. */
  graph?: GraphConfig;
  /** Present when the model was compiled; per output (lists) with several outputs. */
  compile?: {
    optimizer: { className: string; config: Record<string, unknown> };
    loss: string | string[];
    lossWeights?: number[];
    metrics: string[] | string[][];
    /** As `metrics`; absent when there are none (and in files written before they were saved). */
    weightedMetrics?: string[] | string[][];
    /** Absent when 1. */
    stepsPerExecution?: number;
    /**
     * The loss and metric names that were the user's own functions (their `name`), not nabla's:
     * loadModel takes these from its customObjects only, never a built-in of the same name.
     * Absent when there are none (and in files written before it existed).
     */
    custom?: string[];
  };
  /** Version 2 on; version-1 files are given `{ path: 'weights.bin' }` when read. */
  weightsFile: WeightsFile;
  weights: WeightEntry[];
  /** Version 3: the optimizer's step counter and slots, per trainable weight (optimizer-state.ts). */
  optimizerState?: OptimizerStateJson;
}

/** A model ready to be written anywhere: its model.json (with `weightsFile.path` still to set) and weights bytes. */
export interface Encoded {
  json: ModelJson;
  weights: Uint8Array;
}

/** The model as it is saved: only what the format needs from a Sequential. */
export interface SavableModel extends StatefulModel {
  className: string;
  name: string;
  /** A functional model's graph, as saved. */
  graphConfig?(): GraphConfig | null;
  /** One input sample's shape, once known. */
  inputShape?: readonly (number | null)[];
  layers: { className: string; built: boolean; getConfig(): Record<string, unknown> }[];
  weights: { name: string; shape: readonly number[]; value: nb.Tensor }[];
  compiled:
    | (StatefulModel['compiled'] & {
        metrics: { name: string; fn: MetricFn; output: number }[];
        weightedMetrics: { name: string; fn: MetricFn; output: number }[];
        outputs: { loss: { name: string; fn: LossFn }; weight: number; metricNames: string[]; weightedMetricNames: string[] }[];
        stepsPerExecution: number;
      })
    | null;
}

/**
 * Reads every weight (and, with `includeOptimizer`, the optimizer's state when the model has
 * trained) and builds model.json and the weights bytes; nothing is written yet.
 */
export async function encodeModel(op: string, model: SavableModel, includeOptimizer = true): Promise<Encoded> {
  if (model.layers.some((l) => !l.built))
    throw new nb.NablaError(`${op}: the model is not built yet; fit or predict once, or give the first layer an inputShape`);
  const entries: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const w of model.weights) {
    const data = await w.value.data();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name: w.name, shape: [...w.shape], dtype: w.value.dtype, offset, byteLength: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const weightBytes = offset;
  const optimizer = includeOptimizer ? await encodeOptimizerState(model, offset) : null;
  if (optimizer) {
    chunks.push(...optimizer.chunks);
    offset += optimizer.chunks.reduce((n, c) => n + c.length, 0);
  }
  const weights = byteArray(
    op,
    offset,
    optimizer ? "the weights file (the weights, then the optimizer's state)" : 'the weights file',
    optimizer ? `; save with { includeOptimizer: false } (the weights alone are ${weightBytes} bytes)` : '',
  );
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }
  const graph = model.graphConfig?.() ?? null;
  const json: ModelJson = {
    format: FORMAT,
    version: optimizer ? VERSION : WITHOUT_OPTIMIZER,
    className: model.className === 'Model' ? 'Model' : 'Sequential',
    name: model.name,
    layers: graph
      ? []
      : model.layers.map((l, i) => {
          const config = l.getConfig();
          // A model built from the first data seen records that shape, so that it loads built.
          if (i === 0 && config.inputShape === undefined && model.inputShape) config.inputShape = [...model.inputShape];
          return { className: l.className, config };
        }),
    ...(graph ? { graph } : {}),
    weightsFile: { path: V1_WEIGHTS, byteLength: weights.length, crc32: crc32(weights) },
    weights: entries,
    ...(optimizer ? { optimizerState: optimizer.json } : {}),
  };
  const c = model.compiled;
  if (c) {
    const several = c.outputs.length > 1;
    // With several outputs a list per output, else the one output's: the forms compile() takes.
    const outputs = c.outputs;
    const perOutput = <T>(of: (o: (typeof outputs)[number]) => T) => (several ? outputs.map(of) : of(outputs[0]));
    json.compile = {
      optimizer: { className: c.optimizer.className, config: c.optimizer.getConfig() },
      loss: perOutput((o) => o.loss.name),
      ...(several ? { lossWeights: outputs.map((o) => o.weight) } : {}),
      metrics: perOutput((o) => o.metricNames),
      ...(c.weightedMetrics.length > 0 ? { weightedMetrics: perOutput((o) => o.weightedMetricNames) } : {}),
      ...(c.stepsPerExecution !== 1 ? { stepsPerExecution: c.stepsPerExecution } : {}),
    };
    const custom = customNames(c);
    if (custom.length > 0) json.compile.custom = custom;
  }
  return { json, weights };
}

/** The names of the compiled losses and metrics that are the user's functions (a user's `mse` included). */
function customNames(c: NonNullable<SavableModel['compiled']>): string[] {
  const custom = new Set<string>();
  c.outputs.forEach((o, k) => {
    if (!isBuiltinLoss(o.loss.fn)) custom.add(o.loss.name);
    for (const [names, compiled] of [
      [o.metricNames, c.metrics],
      [o.weightedMetricNames, c.weightedMetrics],
    ] as const) {
      const fns = compiled.filter((m) => m.output === k);
      names.forEach((name, j) => {
        if (!isBuiltinMetric(fns[j].fn)) custom.add(name);
      });
    }
  });
  return [...custom];
}

/**
 * A zeroed byte array of `bytes`, or an error naming `what` could not be held: a typed array
 * holds at most 4 GiB in Node 20 (less in some browsers), and a model saved with Adam's state
 * is three times its weights.
 */
export function byteArray(op: string, bytes: number, what: string, advice = ''): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new nb.NablaError(
      `${op}: ${what} is ${bytes} bytes, which this JavaScript runtime cannot hold in one byte array (${e.message})${advice}`,
    );
  }
}

/** model.json's text: one line per field, a final newline. */
export function jsonText(json: ModelJson): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Whether parsed JSON claims to be a nabla model (any version): what "a nabla model" means before it is checked. */
export function isNablaJson(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as { format?: unknown }).format === FORMAT;
}

/** Parses model.json's text; a damaged file fails with a message naming `where`. */
export function parseModelJson(op: string, where: string, text: string): ModelJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new nb.NablaError(`${op}: ${where} is not valid JSON (truncated or damaged?)`);
  }
  return validateModelJson(op, where, parsed);
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/**
 * A plain file name, never a path elsewhere: a weights file beside model.json, and the model
 * names of `indexeddb://name` and `downloads://name` (which name the downloaded files).
 */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a parsed model.json field by field, so a damaged file fails with a message, not later. */
export function validateModelJson(op: string, where: string, v: unknown): ModelJson {
  const fail = (what: string): never => {
    throw new nb.NablaError(`${op}: ${where}: ${what}`);
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('not a JSON object');
  const m = v as Partial<ModelJson>;
  if (m.format !== FORMAT) fail(`not a nabla model (format is ${JSON.stringify(m.format)})`);
  if (typeof m.version !== 'number' || !READS.includes(m.version))
    fail(
      `unsupported format version ${JSON.stringify(m.version)}; this nabla reads versions ${READS.slice(0, -1).join(', ')} and ${READS.at(-1)}` +
        (typeof m.version === 'number' && m.version > VERSION ? ' (saved by a newer nabla?)' : ''),
    );
  if (m.className !== 'Sequential' && m.className !== 'Model') fail(`unsupported model class ${JSON.stringify(m.className)}`);
  if (m.className === 'Model' && (m.graph === null || typeof m.graph !== 'object')) fail('a functional model without its graph');
  if (typeof m.name !== 'string') fail('missing model name');
  if (
    !Array.isArray(m.layers) ||
    m.layers.some(
      (l) => l === null || typeof l !== 'object' || typeof l.className !== 'string' || l.config === null || typeof l.config !== 'object',
    )
  )
    fail('missing or damaged layers');
  if (!Array.isArray(m.weights)) fail('missing weights manifest');
  const names = new Set<string>();
  let offset = 0;
  for (const w of m.weights as WeightEntry[]) {
    if (
      w === null ||
      typeof w !== 'object' ||
      typeof w.name !== 'string' ||
      !Array.isArray(w.shape) ||
      !w.shape.every(isCount) ||
      !nb.DTYPES.includes(w.dtype)
    )
      fail(`bad weight entry ${JSON.stringify(w)}`);
    if (names.has(w.name)) fail(`weight ${w.name} is listed twice`);
    names.add(w.name);
    const bytes = w.shape.reduce((a, b) => a * b, 1) * nb.bytesPerElement(w.dtype);
    if (w.offset !== offset || w.byteLength !== bytes)
      fail(`weight ${w.name}: offset/byteLength ${w.offset}/${w.byteLength} do not match its shape [${w.shape}] and dtype ${w.dtype}`);
    offset += bytes;
  }
  if (m.optimizerState !== undefined) {
    if ((m.version as number) < 3) fail(`an optimizerState in a version-${m.version} model (it came with version 3)`);
    if (m.compile === undefined) fail('an optimizerState without compile settings (the optimizer it belongs to)');
    offset = validateOptimizerState(fail, m.optimizerState, offset);
  }
  if (m.version === 1) {
    m.weightsFile = { path: V1_WEIGHTS, byteLength: offset };
  } else {
    const f = m.weightsFile as Partial<WeightsFile> | undefined;
    if (!f || typeof f !== 'object' || typeof f.path !== 'string' || !SAFE_NAME.test(f.path))
      fail(`missing or bad weightsFile ${JSON.stringify(f)}`);
    const file = f as WeightsFile;
    if (typeof file.crc32 !== 'string' || !/^[0-9a-f]{8}$/.test(file.crc32))
      fail(`weightsFile has no valid crc32 (${JSON.stringify(file.crc32)})`);
    if (file.byteLength !== offset) fail(`weightsFile.byteLength ${file.byteLength} differs from the manifest's total ${offset}`);
  }
  return m as ModelJson;
}

/**
 * What every loader (folder, IndexedDB, URL, files) hands model.json and the weights bytes to;
 * `where` names the weights in its errors (a size or checksum mismatch).
 */
export type Decode<T> = (json: ModelJson, weights: Uint8Array, where: string) => T;

/** Checks the weights file's size and checksum against model.json and makes one tensor per manifest entry. */
export function decodeWeights(op: string, where: string, json: ModelJson, bytes: Uint8Array): nb.Tensor[] {
  const file = json.weightsFile;
  if (bytes.length !== file.byteLength) {
    throw new nb.NablaError(
      `${op}: ${where} has ${bytes.length} bytes, model.json says ${file.byteLength} (truncated or mismatched files)`,
    );
  }
  if (file.crc32 !== undefined) {
    const actual = crc32(bytes);
    if (actual !== file.crc32)
      throw new nb.NablaError(
        `${op}: ${where} is damaged: its CRC-32 is ${actual}, model.json recorded ${file.crc32} (a changed byte, or files from two different saves)`,
      );
  }
  return json.weights.map((w) => {
    const copy = bytes.slice(w.offset, w.offset + w.byteLength).buffer;
    const data =
      w.dtype === 'float32'
        ? new Float32Array(copy)
        : w.dtype === 'float64'
          ? new Float64Array(copy)
          : w.dtype === 'int32'
            ? new Int32Array(copy)
            : new Uint8Array(copy);
    return nb.keep(nb.tensor(data, w.shape, w.dtype));
  });
}

/** A model's weight as matched against the file. */
export interface TargetWeight {
  name: string;
  shape: readonly number[];
  value: { dtype: nb.DType };
}

/**
 * Orders the file's weights as the model's, matching them by name, and checks each one's shape
 * and dtype: returns, for each model weight, its index in the manifest. The error names every
 * missing and extra weight.
 */
export function matchWeights(op: string, weights: readonly TargetWeight[], entries: readonly WeightEntry[]): number[] {
  const byName = new Map(entries.map((e, i) => [e.name, i]));
  const missing = weights.filter((w) => !byName.has(w.name)).map((w) => w.name);
  const known = new Set(weights.map((w) => w.name));
  const extra = entries.filter((e) => !known.has(e.name)).map((e) => e.name);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing from the file: ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`in the file but not in the model: ${extra.join(', ')}`);
    const hint =
      missing.length > 0 && missing.length === extra.length
        ? '; weights are matched by name (layer name/weight): build the model with the layer names it was saved with'
        : '';
    throw new nb.NablaError(`${op}: the file's weights do not match the model's: ${parts.join('; ')}${hint}`);
  }
  return weights.map((w) => {
    const i = byName.get(w.name) as number;
    const e = entries[i];
    if (e.shape.length !== w.shape.length || e.shape.some((d, j) => d !== w.shape[j])) {
      throw new nb.NablaError(`${op}: weight ${w.name} has shape [${e.shape}] in the file, but [${w.shape}] in the model`);
    }
    if (e.dtype !== w.value.dtype) {
      throw new nb.NablaError(`${op}: weight ${w.name} is ${e.dtype} in the file, but ${w.value.dtype} in the model`);
    }
    return i;
  });
}
