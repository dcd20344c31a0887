import * as nb from '@nabla/core';
import { layerFromConfig } from '../layers/index.js';
import { isBuiltinLoss, type LossFn } from '../losses.js';
import { isBuiltinMetric, type MetricFn } from '../metrics.js';
import { type GraphConfig, graphFromConfig } from '../models/graph.js';
import { type AnyModel, type CompileArgs, Model, type Outputs } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { SymbolicTensor } from '../models/symbolic.js';
import { optimizerFromConfig } from '../optimizers/index.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { type FileLike, loadFiles, loadIndexedDb, loadUrl } from './browser.js';
import { loadFolder } from './folder.js';
import { type Decode, decodeWeights, type ModelJson, matchWeights } from './format.js';
import { isNode } from './node.js';
import { decodeOptimizerState, restoreOptimizerState } from './optimizer-state.js';
import { filePath, SCHEME } from './save.js';

/**
 * Where a model is loaded from: a folder path (Node; `file://` URLs too), `indexeddb://name`, the
 * URL of a model.json (`https://…/model.json`, its weights file fetched beside it; in a browser a
 * relative URL too), or the two File objects a save produced (an `<input type="file" multiple>`).
 */
export type ModelSource = string | URL | ArrayLike<FileLike>;

/** Loss and metric functions by the name a model was saved with (their function's `name`). */
export type CustomObjects = Record<string, LossFn | MetricFn>;

export interface LoadOptions {
  /**
   * The user's own losses and metrics the model was compiled with, by the name saved (the
   * function's name), as Keras's `custom_objects`: without them such a model loads only with
   * `compile: false`. A name given here replaces nabla's function of that name.
   */
  customObjects?: CustomObjects;
  /**
   * false: the architecture and weights alone, uncompiled, without the optimizer's state (Keras's
   * `compile=False`): to predict, or to compile anew. Default true.
   */
  compile?: boolean;
}

const LOAD_OPTIONS = { customObjects: nb.is.object, compile: nb.is.boolean };

/** Reads a saved model from any source and checks it whole (JSON, manifest, size, checksum) before decoding. */
function readModel<T>(op: string, source: ModelSource, decode: Decode<T>): Promise<T> {
  // An array of Files, or the FileList of an <input type="file" multiple>.
  if (typeof source === 'object' && source !== null && !(source instanceof URL) && typeof source.length === 'number')
    return loadFiles(op, Array.from(source), decode);
  const text = source instanceof URL ? source.href : source;
  if (typeof text !== 'string') throw new nb.NablaError(`${op}: expected a folder path, a URL or File objects, got ${nb.describe(source)}`);
  const m = SCHEME.exec(text);
  const scheme = m?.[1].toLowerCase();
  if (scheme === 'indexeddb') return loadIndexedDb(op, m?.[2] ?? '', decode);
  if (scheme === 'http' || scheme === 'https') return loadUrl(op, text, decode);
  if (scheme === 'file') return loadFolder(op, filePath(text), decode);
  if (scheme === 'downloads')
    throw new nb.NablaError(`${op}: cannot load from '${text}': load the downloaded files as File objects, or from their URL`);
  if (scheme !== undefined) throw new nb.NablaError(`${op}: cannot load from '${text}': unknown scheme '${scheme}://'`);
  // A browser has no folders: a plain string there is a URL relative to the page.
  return isNode() ? loadFolder(op, text, decode) : loadUrl(op, text, decode);
}

/** The file's weights as tensors, after its size and checksum are checked, and the optimizer's state when saved. */
function decodeAll(op: string) {
  return (json: ModelJson, weights: Uint8Array, where: string) => {
    const values = decodeWeights(op, where, json, weights);
    return { json, values, optimizer: json.optimizerState ? decodeOptimizerState(json.optimizerState, weights) : null };
  };
}

/**
 * Rebuilds a saved model: architecture, weights (matched by name, each shape and dtype checked),
 * and (when saved) its compile settings and optimizer state, so that fit with `initialEpoch`
 * continues the saved run: the same optimizer, its slots (regrouped for the backend the model
 * loads on) and its step counter. A state that does not match the model is an error naming the
 * difference, never a partial restore. Without a saved state, the first fit starts fresh slots.
 */
export async function loadModel<O extends Outputs = SymbolicTensor>(source: ModelSource, options?: LoadOptions): Promise<Model<O>> {
  const op = 'load';
  const { customObjects = {}, compile = true } = nb.checkOptions(op, options, LOAD_OPTIONS);
  for (const [name, fn] of Object.entries(customObjects)) {
    if (typeof fn !== 'function')
      throw new nb.NablaError(`${op}: option 'customObjects' maps names to loss and metric functions; '${name}' is ${nb.describe(fn)}`);
  }
  const { json, values, optimizer } = await readModel(op, source, decodeAll(op));
  try {
    const model =
      json.className === 'Model'
        ? new Model<Outputs>({ ...graphFromConfig(op, json.graph as GraphConfig), name: json.name })
        : new Sequential(
            json.layers.map((l) => layerFromConfig(l.className, { ...l.config, name: `${l.config.name as string}` })),
            { name: json.name },
          );
    if (model instanceof Sequential && !model.inputShape) throw new nb.NablaError(`${op}: model.json does not record the input shape`);
    const order = matchWeights(op, model.weights, json.weights);
    model.setWeights(order.map((i) => values[i]));
    if (json.compile && compile) {
      compileSaved(op, model, json.compile, customObjects);
      if (json.optimizerState && optimizer) restoreOptimizerState(op, model, json.optimizerState, optimizer);
    }
    return model;
  } catch (e) {
    nb.dispose(values);
    throw e;
  }
}

/**
 * Compiles a loaded model as it was saved. A loss or metric saved by name is nabla's of that
 * name, unless the model was compiled with the user's own function (a `custom` name) or
 * customObjects gives one: a custom name nabla cannot resolve is an error saying what to pass,
 * never a built-in that happens to share the name.
 */
function compileSaved(op: string, model: AnyModel, c: NonNullable<ModelJson['compile']>, customObjects: CustomObjects): void {
  const custom = new Set(c.custom ?? []);
  const resolve = (kind: 'loss' | 'metric', name: string) => {
    if (Object.hasOwn(customObjects, name)) return customObjects[name];
    if (!custom.has(name) && (kind === 'loss' ? isBuiltinLoss(name) : isBuiltinMetric(name))) return name;
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
    const given = Object.keys(customObjects);
    throw new nb.NablaError(
      `${op}: the model was compiled with ${custom.has(name) ? 'its own' : 'a'} ${kind} function '${name}', which nabla does not know by name: ` +
        `pass it as loadModel(source, { customObjects: { ${key}: fn } }), or load with { compile: false } (the architecture and weights, to predict or compile anew)` +
        (given.length > 0 ? `; customObjects gives ${given.map((k) => `'${k}'`).join(', ')}` : ''),
    );
  };
  const losses = Array.isArray(c.loss) ? c.loss.map((n) => resolve('loss', n)) : resolve('loss', c.loss);
  const metricsOf = (lists: (string | string[])[]) =>
    lists.map((m) => (Array.isArray(m) ? m.map((n) => resolve('metric', n)) : resolve('metric', m)));
  let optimizer: Optimizer;
  try {
    optimizer = optimizerFromConfig(c.optimizer);
  } catch (e) {
    throw new nb.NablaError(`${op}: ${(e as Error).message} (load with { compile: false } for the architecture and weights alone)`);
  }
  model.compile({
    optimizer,
    loss: losses as CompileArgs['loss'],
    metrics: metricsOf(c.metrics) as CompileArgs['metrics'],
    ...(c.weightedMetrics ? { weightedMetrics: metricsOf(c.weightedMetrics) as CompileArgs['weightedMetrics'] } : {}),
    ...(c.lossWeights ? { lossWeights: c.lossWeights } : {}),
    ...(c.stepsPerExecution ? { stepsPerExecution: c.stepsPerExecution } : {}),
  });
}

/**
 * Loads weights into an existing model, matched by name (layer name/weight name, so build the
 * model with the layer names it was saved with); on any mismatch, nothing changes. Weights only,
 * as Keras's load_weights: a saved optimizer state is read past (checksummed with the rest), and
 * the model's own optimizer state is left as it is; loadModel restores it.
 */
export async function loadWeights(model: AnyModel, source: ModelSource): Promise<void> {
  const op = 'loadWeights';
  const { json, values } = await readModel(op, source, decodeAll(op));
  let order: number[];
  try {
    order = matchWeights(op, model.weights, json.weights);
  } catch (e) {
    nb.dispose(values);
    throw e;
  }
  model.setWeights(order.map((i) => values[i]));
}
