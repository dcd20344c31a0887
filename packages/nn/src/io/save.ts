import * as nb from '@nabla/core';
import { removeIndexedDb, saveDownloads, saveIndexedDb } from './browser.js';
import { saveFolder } from './folder.js';
import { encodeModel, type SavableModel } from './format.js';

/**
 * Where a model is saved:
 * - a folder path (Node): created if missing; an empty folder or a saved nabla model is replaced,
 *   anything else is refused (see folder.ts); `file://` URLs name folders too;
 * - `indexeddb://name` (browsers): one record, written in one transaction;
 * - `downloads://name` (browsers): the browser downloads `name.json` and `name.weights.bin`.
 */
export interface SaveOptions {
  /**
   * Whether an existing saved model at the destination is replaced (default true, as in Keras's
   * `model.save`). With false, saving onto an existing model is an error. Files that are not a
   * nabla model are never replaced, whatever this says.
   */
  overwrite?: boolean;
  /**
   * Whether the optimizer's state is saved (default true, as Keras's `include_optimizer` and
   * TensorFlow.js's `includeOptimizer`): its step counter and slots (Adam's moments, RMSprop's
   * averages, momentum), so that loadModel and fit with `initialEpoch` continue the run where it
   * stopped. There is a state once the compiled model has trained; with false, or before that,
   * a loaded model's first fit starts fresh slots at step 0. The weights and compile settings are
   * saved either way.
   */
  includeOptimizer?: boolean;
}

const SAVE_OPTIONS = { overwrite: nb.is.boolean, includeOptimizer: nb.is.boolean };

/** `scheme://rest`: a URL-like destination or source (a Windows path like C:\\x has no '//'). */
export const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s;

/** A file:// URL's path (decoded), as the folder functions take it. */
export function filePath(url: string): string {
  return decodeURIComponent(new URL(url).pathname);
}

/**
 * Saves architecture, weights, compile settings and the optimizer's state; see SaveOptions for
 * destinations, replacement and leaving the optimizer out.
 */
export async function saveModel(model: SavableModel, path: string, options?: SaveOptions): Promise<void> {
  const op = 'save';
  nb.checkArg(op, 'path', path, nb.is.string, false);
  const { overwrite = true, includeOptimizer = true } = nb.checkOptions(op, options, SAVE_OPTIONS);
  const m = SCHEME.exec(path);
  const scheme = m?.[1].toLowerCase();
  if (scheme !== undefined && !['indexeddb', 'downloads', 'file'].includes(scheme))
    throw new nb.NablaError(`${op}: cannot save to '${path}': nabla saves to a folder path, 'indexeddb://name' or 'downloads://name'`);
  const enc = await encodeModel(op, model, includeOptimizer);
  if (scheme === 'indexeddb') return saveIndexedDb(op, enc, m?.[2] ?? '', overwrite);
  if (scheme === 'downloads') return saveDownloads(op, enc, m?.[2] || 'model');
  return saveFolder(op, enc, scheme === 'file' ? filePath(path) : path, overwrite);
}

/** Removes a model saved with `indexeddb://name` (nothing happens when there is none), as TensorFlow.js's `tf.io.removeModel`. */
export async function removeModel(url: string): Promise<void> {
  const op = 'removeModel';
  nb.checkArg(op, 'url', url, nb.is.string, false);
  const m = SCHEME.exec(url);
  if (m?.[1].toLowerCase() !== 'indexeddb')
    throw new nb.NablaError(`${op}: removes models saved in IndexedDB ('indexeddb://name'), got '${url}'`);
  return removeIndexedDb(op, m[2]);
}
