import * as nb from '@nabla/core';
import { type Decode, type Encoded, jsonText, type ModelJson, parseModelJson, SAFE_NAME } from './format.js';

/**
 * The same format outside a folder: IndexedDB (`indexeddb://name`, as TensorFlow.js names it),
 * downloaded files (`downloads://name`), and files read back from File objects or URLs.
 */

const DB_NAME = 'nabla-models';
const STORE = 'models';

/** What IndexedDB holds per model: model.json's text and the weights file's bytes, written in one transaction. */
interface StoredModel {
  modelJson: string;
  weights: ArrayBuffer;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function openDb(op: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    throw new nb.NablaError(`${op}: indexeddb:// needs a browser with IndexedDB (this environment has none)`);
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  try {
    return await request(open);
  } catch (e) {
    throw new nb.NablaError(`${op}: cannot open IndexedDB database '${DB_NAME}': ${(e as Error)?.message ?? e}`);
  }
}

function checkName(op: string, scheme: string, name: string): void {
  if (!SAFE_NAME.test(name))
    throw new nb.NablaError(
      `${op}: '${scheme}://${name}' needs a model name of letters, digits, '.', '_' and '-' (starting with a letter or digit)`,
    );
}

/** Saves in one readwrite transaction: IndexedDB applies it whole or not at all. */
export async function saveIndexedDb(op: string, enc: Encoded, name: string, overwrite: boolean): Promise<void> {
  checkName(op, 'indexeddb', name);
  const db = await openDb(op);
  try {
    const record: StoredModel = { modelJson: jsonText(enc.json), weights: enc.weights.slice().buffer };
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      let refused: Error | undefined;
      const put = () => store.put(record, name);
      if (overwrite) put();
      else {
        const count = store.count(name);
        count.onsuccess = () => {
          if (count.result > 0) {
            refused = new nb.NablaError(
              `${op}: indexeddb://${name} already holds a model, and overwrite is false; pass { overwrite: true } to replace it`,
            );
            tx.abort();
          } else put();
        };
      }
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(refused ?? new nb.NablaError(`${op}: cannot write indexeddb://${name}: ${tx.error?.message ?? 'aborted'}`));
      tx.onerror = () => {};
    });
  } finally {
    db.close();
  }
}

export async function loadIndexedDb<T>(op: string, name: string, decode: Decode<T>): Promise<T> {
  checkName(op, 'indexeddb', name);
  const db = await openDb(op);
  let record: StoredModel | undefined;
  try {
    record = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name) as IDBRequest<StoredModel | undefined>);
  } catch (e) {
    throw new nb.NablaError(`${op}: cannot read indexeddb://${name}: ${(e as Error)?.message ?? e}`);
  } finally {
    db.close();
  }
  const where = `indexeddb://${name}`;
  if (record === undefined) throw new nb.NablaError(`${op}: there is no model named '${name}' in IndexedDB (${where})`);
  if (typeof record?.modelJson !== 'string' || !(record.weights instanceof ArrayBuffer))
    throw new nb.NablaError(`${op}: ${where} is not a nabla model record (damaged, or written by another library)`);
  return decode(parseModelJson(op, `${where} model.json`, record.modelJson), new Uint8Array(record.weights), `${where} weights`);
}

/** Removes a model saved in IndexedDB (a no-op when there is none). */
export async function removeIndexedDb(op: string, name: string): Promise<void> {
  checkName(op, 'indexeddb', name);
  const db = await openDb(op);
  try {
    await request(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(name));
  } finally {
    db.close();
  }
}

/** Makes the browser download `<name>.json` and `<name>.weights.bin` (the name model.json records). */
export async function saveDownloads(op: string, enc: Encoded, name: string): Promise<void> {
  checkName(op, 'downloads', name);
  if (typeof document === 'undefined')
    throw new nb.NablaError(`${op}: downloads:// needs a browser page (this environment has no document)`);
  const weightsName = `${name}.weights.bin`;
  const json: ModelJson = { ...enc.json, weightsFile: { ...enc.json.weightsFile, path: weightsName } };
  const files: [string, Blob][] = [
    [`${name}.json`, new Blob([jsonText(json)], { type: 'application/json' })],
    [weightsName, new Blob([enc.weights.slice().buffer], { type: 'application/octet-stream' })],
  ];
  for (const [file, blob] of files) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = file;
    a.click();
    // The download has started reading the blob by the next task; the URL is freed a little later.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

/** A File (browser, or Node 20's global File): what loadModel takes from an <input type="file">. */
export interface FileLike {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** Loads from the two files a save produced: a `.json` one and the weights file it names. */
export async function loadFiles<T>(op: string, files: readonly FileLike[], decode: Decode<T>): Promise<T> {
  const names = files.map((f) => f.name);
  const jsons = files.filter((f) => f.name.endsWith('.json'));
  if (jsons.length !== 1)
    throw new nb.NablaError(`${op}: give exactly one .json file and its weights file; got ${files.length} files (${names.join(', ')})`);
  const json = parseModelJson(op, jsons[0].name, await jsons[0].text());
  const others = files.filter((f) => f !== jsons[0]);
  // A renamed weights file is still accepted when it is the only other file: its checksum proves it.
  const weights = others.find((f) => f.name === json.weightsFile.path) ?? (others.length === 1 ? others[0] : undefined);
  if (!weights)
    throw new nb.NablaError(
      `${op}: ${jsons[0].name} needs its weights file '${json.weightsFile.path}', which is not among the files given (${names.join(', ')})`,
    );
  return decode(json, new Uint8Array(await weights.arrayBuffer()), weights.name);
}

async function fetchBytes(op: string, url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new nb.NablaError(`${op}: cannot fetch ${url}: ${(e as Error)?.message ?? e}`);
  }
  if (!res.ok) throw new nb.NablaError(`${op}: cannot fetch ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return res;
}

/** Loads model.json from a URL and the weights file it names, relative to it. */
export async function loadUrl<T>(op: string, url: string, decode: Decode<T>): Promise<T> {
  const json = parseModelJson(op, url, await (await fetchBytes(op, url)).text());
  const base = typeof location !== 'undefined' ? new URL(url, location.href) : new URL(url);
  const weightsUrl = new URL(json.weightsFile.path, base).href;
  const bytes = new Uint8Array(await (await fetchBytes(op, weightsUrl)).arrayBuffer());
  return decode(json, bytes, weightsUrl);
}
