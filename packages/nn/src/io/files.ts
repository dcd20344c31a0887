import * as nb from '@nabla/core';
import type { Sequential } from '../models/sequential.js';
import { FORMAT, type ModelJson, VERSION, validateModelJson, type WeightEntry } from './format.js';

/** Node's fs, loaded on use so that the package still bundles for browsers. */
async function fs() {
  return import('node:fs/promises');
}

function modelJson(model: Sequential, weights: WeightEntry[]): ModelJson {
  const json: ModelJson = {
    format: FORMAT,
    version: VERSION,
    className: 'Sequential',
    name: model.name,
    layers: model.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
    weights,
  };
  const c = model.compiled;
  if (c) {
    json.compile = {
      optimizer: { className: c.optimizer.className, config: c.optimizer.getConfig() },
      loss: c.loss.name,
      metrics: c.metrics.map((m) => m.name),
    };
  }
  return json;
}

/**
 * Writes model.json and weights.bin into `dir`, atomically: both go to a fresh sibling folder
 * that then replaces `dir` by rename, so a crash leaves either the old model or the new one,
 * never a mix or a truncated file.
 */
export async function saveModel(model: Sequential, dir: string): Promise<void> {
  if (model.layers.some((l) => !l.built))
    throw new nb.NablaError('save: the model is not built yet; fit or predict once, or give the first layer an inputShape');
  const { mkdir, writeFile, rename, rm, open } = await fs();
  const entries: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const w of model.weights) {
    const data = await w.value.data();
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    entries.push({ name: w.name, shape: [...w.shape], dtype: w.value.dtype, offset, byteLength: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const stamp = `${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const tmp = `${dir}.saving-${stamp}`;
  const old = `${dir}.old-${stamp}`;
  await mkdir(tmp, { recursive: true });
  try {
    await writeFile(`${tmp}/weights.bin`, Buffer.concat(chunks));
    await writeFile(`${tmp}/model.json`, `${JSON.stringify(modelJson(model, entries), null, 2)}\n`);
    for (const f of ['weights.bin', 'model.json']) {
      const h = await open(`${tmp}/${f}`, 'r');
      await h.sync();
      await h.close();
    }
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      await rename(tmp, dir);
    } catch (e) {
      if (hadOld) await rename(old, dir);
      throw e;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

interface Loaded {
  json: ModelJson;
  values: nb.Tensor[];
}

/** Reads and checks both files completely before anything is built or changed. */
export async function readModel(dir: string): Promise<Loaded> {
  const { readFile } = await fs();
  let text: string;
  let bin: Buffer;
  try {
    text = await readFile(`${dir}/model.json`, 'utf8');
    bin = await readFile(`${dir}/weights.bin`);
  } catch (e) {
    throw new nb.NablaError(`load: cannot read a model from ${dir}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new nb.NablaError(`load: ${dir}/model.json is not valid JSON (truncated or damaged?)`);
  }
  const json = validateModelJson(`${dir}/model.json`, parsed);
  const expected = json.weights.reduce((n, w) => n + w.byteLength, 0);
  if (bin.length !== expected) {
    throw new nb.NablaError(
      `load: ${dir}/weights.bin has ${bin.length} bytes, the manifest needs ${expected} (truncated or mismatched files)`,
    );
  }
  const values = json.weights.map((w) => {
    const bytes = bin.subarray(w.offset, w.offset + w.byteLength);
    const copy = new Uint8Array(bytes).buffer;
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
  return { json, values };
}

/** Checks that loaded weights fit a model's weights by name and shape, naming the first misfit. */
export function checkFit(model: Sequential, entries: WeightEntry[]): void {
  const weights = model.weights;
  if (weights.length !== entries.length) {
    throw new nb.NablaError(`load: the file has ${entries.length} weights, the model has ${weights.length}`);
  }
  weights.forEach((w, i) => {
    const e = entries[i];
    if (e.shape.length !== w.shape.length || e.shape.some((d, j) => d !== w.shape[j])) {
      throw new nb.NablaError(
        `load: weight ${i} (${e.name}) has shape [${e.shape}] in the file, but ${w.name} in the model is [${w.shape}]`,
      );
    }
  });
}
