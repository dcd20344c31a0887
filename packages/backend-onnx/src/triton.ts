import { checkArity, checkOptions, describe, is, NablaError } from '@nabla/core';
import { encodeExport, writeGraph } from './export/encode.js';
import { DEFAULT_EXTERNAL_THRESHOLD, PROTOBUF_LIMIT } from './export/external.js';
import { checkOpset } from './export/opset.js';
import { type InstanceKind, type TritonConfigOptions, tritonConfig } from './export/triton-config.js';
import type { ExportableModel } from './export/types.js';

/**
 * A model as a Triton model repository entry: `<name>/config.pbtxt` and `<name>/1/model.onnx`
 * (and the weights' external data file beside it past 2 GB), for Triton's ONNX Runtime backend,
 * and so for KServe and Seldon, which serve ONNX through it. `tritonRepository` makes the files'
 * bytes anywhere (browsers too); `exportTritonRepo` writes them (Node).
 */

export interface TritonDynamicBatching {
  /** Batch sizes the scheduler should prefer to form (each at most maxBatchSize). */
  preferredBatchSizes?: number[];
  /** How long a request may wait for others to batch with, in microseconds (Triton's default when not given: 0). */
  maxQueueDelayMicroseconds?: number;
}

export interface TritonRepoOptions {
  /** The model's name in Triton (its URL path, /v2/models/<name>) and its folder's: letters, digits, '_', '-' and '.'. Required. */
  name: string;
  /**
   * The largest batch Triton hands the model (default 64). The graph's batch axis is dynamic, so
   * Triton may batch requests up to this; 0 turns Triton's batching off and the dims keep the batch axis as -1.
   */
  maxBatchSize?: number;
  /** How many copies of the model Triton runs at once (instance_group count, default 1). */
  instances?: number;
  /** Where they run: 'auto' (a GPU where there is one, Triton's default), 'cpu' or 'gpu'. */
  instanceKind?: InstanceKind;
  /** Triton's dynamic batcher: true for its defaults, or preferred sizes and a queue delay (default: off). */
  dynamicBatching?: boolean | TritonDynamicBatching;
  /** The ONNX opset, 13 to 21 (default 21): for a Triton release whose onnxruntime is older (see exportOnnx's opset). */
  opset?: number;
  /**
   * Weights of more than this many bytes go to an external data file beside model.onnx
   * (default 2,000,000,000: protobuf cannot read an .onnx file of 2 GiB or more). Lower it to keep
   * smaller weights out of the model file too.
   */
  externalDataThreshold?: number;
  /** The input's name (a model of one input), as in exportOnnx. */
  inputName?: string;
  /** The output's name (a model of one output), as in exportOnnx. */
  outputName?: string;
}

export interface TritonRepoWriteOptions extends TritonRepoOptions {
  /** Replace a `<dir>/<name>` folder that exportTritonRepo wrote before (default true); never one holding anything else. */
  overwrite?: boolean;
}

/** One file of the repository entry: its path inside `<name>/` and its bytes, in chunks (a file past 2 GB is larger than one array may be). */
export interface TritonFile {
  path: string;
  chunks: Uint8Array[];
  size: number;
}

export interface TritonRepository {
  /** The model's name: the folder the files go in. */
  name: string;
  /** config.pbtxt, 1/model.onnx and, when the weights went outside it, 1/model.onnx.data (or the name given to the writer). */
  files: TritonFile[];
  /** The config's text, as written to config.pbtxt. */
  config: string;
}

/** A Triton model name: one path segment, safe in a URL (Triton's /v2/models/<name>) and in a Kubernetes path. */
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const INT32_MAX = 2 ** 31 - 1;

const OPTIONS = {
  name: is.string,
  maxBatchSize: is.nonNegativeInteger,
  instances: is.positiveInteger,
  instanceKind: is.oneOf('auto', 'cpu', 'gpu'),
  dynamicBatching: is.either(is.boolean, is.object),
  opset: is.integer,
  externalDataThreshold: is.nonNegativeInteger,
  inputName: is.string,
  outputName: is.string,
};

export const WRITE_OPTIONS = { ...OPTIONS, overwrite: is.boolean };

interface Checked extends TritonConfigOptions {
  externalDataThreshold: number;
}

/** The options with their defaults, each checked (the keys and types by checkOptions before this). */
export function checkTritonOptions(op: string, o: TritonRepoOptions): Checked {
  if (o.name === undefined) throw new NablaError(`${op}: option 'name' is required: the model's name in Triton, and its folder's`);
  if (!MODEL_NAME.test(o.name) || o.name.length > 200) {
    throw new NablaError(
      `${op}: option 'name' must be a Triton model name (letters, digits, '_', '-' and '.', not first '-' or '.', at most 200 characters), got ${describe(o.name)}`,
    );
  }
  const maxBatchSize = o.maxBatchSize ?? 64;
  if (maxBatchSize > INT32_MAX) throw new NablaError(`${op}: option 'maxBatchSize' must be at most ${INT32_MAX}, got ${maxBatchSize}`);
  const instances = o.instances ?? 1;
  if (instances > INT32_MAX) throw new NablaError(`${op}: option 'instances' must be at most ${INT32_MAX}, got ${instances}`);
  const threshold = o.externalDataThreshold ?? DEFAULT_EXTERNAL_THRESHOLD;
  if (threshold >= PROTOBUF_LIMIT) {
    throw new NablaError(
      `${op}: option 'externalDataThreshold' must be below ${PROTOBUF_LIMIT} bytes (protobuf cannot read an .onnx file of 2 GiB), got ${threshold}`,
    );
  }
  return {
    name: o.name,
    maxBatchSize,
    instances,
    instanceKind: o.instanceKind ?? 'auto',
    dynamicBatching: checkDynamicBatching(op, o.dynamicBatching, maxBatchSize),
    opset: checkOpset(op, o.opset),
    externalDataThreshold: threshold,
  };
}

function checkDynamicBatching(op: string, d: TritonRepoOptions['dynamicBatching'], maxBatchSize: number): Checked['dynamicBatching'] {
  if (d === undefined || d === false) return null;
  if (maxBatchSize === 0) {
    throw new NablaError(`${op}: option 'dynamicBatching' needs maxBatchSize of 1 or more (Triton batches nothing with 0)`);
  }
  if (d === true) return { preferredBatchSizes: [] };
  const o = checkOptions(`${op}: dynamicBatching`, d, {
    preferredBatchSizes: is.integers,
    maxQueueDelayMicroseconds: is.nonNegativeInteger,
  });
  const sizes = o.preferredBatchSizes ?? [];
  for (const s of sizes) {
    if (s < 1 || s > maxBatchSize) {
      throw new NablaError(`${op}: dynamicBatching's preferredBatchSizes must each be from 1 to maxBatchSize (${maxBatchSize}), got ${s}`);
    }
  }
  const twice = sizes.find((s, i) => sizes.indexOf(s) !== i);
  if (twice !== undefined) throw new NablaError(`${op}: dynamicBatching's preferredBatchSizes lists ${twice} twice`);
  const delay = o.maxQueueDelayMicroseconds;
  if (delay !== undefined && !Number.isSafeInteger(delay)) {
    throw new NablaError(`${op}: dynamicBatching's maxQueueDelayMicroseconds must be a safe integer, got ${delay}`);
  }
  return { preferredBatchSizes: [...sizes].sort((a, b) => a - b), maxQueueDelayMicroseconds: delay };
}

/** The repository entry's files for checked options; `dataFile` names the external data file. */
export async function buildTritonRepository(op: string, model: ExportableModel, o: TritonRepoOptions, c: Checked, dataFile: string) {
  const writer = await writeGraph(model, { inputName: o.inputName, outputName: o.outputName });
  const encoded = encodeExport(writer, { opset: c.opset, op, external: { threshold: c.externalDataThreshold, location: dataFile } });
  const config = tritonConfig(encoded.inputs, encoded.outputs, { ...c, name: c.name });
  const text = new TextEncoder().encode(config);
  const files: TritonFile[] = [{ path: 'config.pbtxt', chunks: [text], size: text.byteLength }];
  files.push({ path: '1/model.onnx', chunks: [encoded.model], size: encoded.model.byteLength });
  if (encoded.data) files.push({ path: `1/${dataFile}`, chunks: encoded.data.chunks, size: encoded.data.size });
  return { name: c.name, files, config } satisfies TritonRepository;
}

/**
 * The Triton repository entry of a model, as bytes: config.pbtxt (platform onnxruntime_onnx,
 * the graph's inputs and outputs with their types and per-sample dims, max_batch_size,
 * instance_group, dynamic_batching) and 1/model.onnx, with the weights in 1/model.onnx.data when
 * they pass externalDataThreshold. Write them under `<repository>/<name>/`, or use
 * exportTritonRepo, which does that safely.
 */
export async function tritonRepository(model: ExportableModel, options: TritonRepoOptions, ...extra: unknown[]): Promise<TritonRepository> {
  const op = 'tritonRepository';
  checkArity(op, [model, options, ...extra], 2);
  if (options === undefined) throw new NablaError(`${op}: options are required ({ name: 'my-model', ... })`);
  checkOptions(op, options, OPTIONS);
  return buildTritonRepository(op, model, options, checkTritonOptions(op, options), 'model.onnx.data');
}

/**
 * Writes the model as the Triton model repository entry `<dir>/<name>/` (see tritonRepository):
 * `dir` is the model repository Triton is started with (created if missing; other models in it
 * are left alone). A `<dir>/<name>` that holds anything but what exportTritonRepo wrote is never
 * touched. Files are written whole under temporary names, then renamed into place, so a crash
 * leaves the old model loadable; see triton-node.ts for the order and what it guarantees. Node only.
 */
export async function exportTritonRepo(
  model: ExportableModel,
  dir: string,
  options: TritonRepoWriteOptions,
  ...extra: unknown[]
): Promise<void> {
  const op = 'exportTritonRepo';
  checkArity(op, [model, dir, options, ...extra], 3);
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new NablaError(`${op}: dir must be the model repository's folder path, got ${describe(dir)}`);
  }
  if (options === undefined) throw new NablaError(`${op}: options are required ({ name: 'my-model', ... })`);
  checkOptions(op, options, WRITE_OPTIONS);
  const checked = checkTritonOptions(op, options);
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new NablaError(`${op}: writes files and needs Node.js; in a browser, tritonRepository(model, options) gives the files' bytes`);
  }
  const { writeTritonRepo } = await import('./triton-node.js');
  await writeTritonRepo(op, dir, checked.name, options.overwrite !== false, (dataFile) =>
    buildTritonRepository(op, model, options, checked, dataFile),
  );
}
