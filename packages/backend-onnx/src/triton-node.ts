import { NablaError } from '@nabla/core';
import { exportedByNabla } from './export/encode.js';
import { CONFIG_HEADER } from './export/triton-config.js';
import type { TritonRepository } from './triton.js';

/**
 * Writing a Triton repository entry `<dir>/<name>/` (Node only; triton.ts makes the bytes).
 *
 * nabla replaces only what it wrote: `<dir>/<name>` may be missing, empty, or hold nothing but
 * exportTritonRepo's files (config.pbtxt starting with its header line, the version folder 1 with
 * a model.onnx whose producer is nabla, and its own data and temporary files). Anything else
 * there (another file, another version folder, a link) is an error and nothing is touched.
 *
 * Crashes: every file is written whole and flushed under a name Triton does not read, then
 * renamed into place, one atomic step per file. The external data file gets a new name at each
 * export (`model.onnx.<stamp>.data`, named by the model that uses it), so model.onnx and its
 * weights change together in one rename: a crash never pairs a model with another export's
 * weights. model.onnx is renamed before config.pbtxt; a crash between the two leaves the new
 * model with the old config, which Triton loads when the inputs and outputs are unchanged (a
 * retrained model) and otherwise refuses with an error naming the mismatch, never serving
 * wrong answers. The next export replaces both and removes files no export in progress owns.
 */

/**
 * Node's fs and path, loaded when an export starts: imported statically, a browser bundle of
 * '@nabla/backend-onnx/export' would have to resolve them (this module is a lazy chunk there).
 */
let fs: typeof import('node:fs/promises');
let nodePath: typeof import('node:path');
const join = (...parts: string[]) => nodePath.join(...parts);

const STAMP = '(\\d+)-[0-9a-z]+-[0-9a-z]+';
const DATA_RE = new RegExp(`^model\\.onnx\\.${STAMP}\\.data$`);
const MODEL_TMP_RE = new RegExp(`^model\\.onnx\\.${STAMP}\\.tmp$`);
const CONFIG_TMP_RE = new RegExp(`^config\\.pbtxt\\.${STAMP}\\.tmp$`);
const VERSION = '1';

/** Stamps of this process's exports in progress. */
const inFlight = new Set<string>();
/** The stamp of this process's last export to each folder: its data file is in use until another export replaces it. */
const lastWritten = new Map<string, string>();

function newStamp(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the export that named a file this way (in folder `target`) may still be writing or
 * using it: one of this process's in progress, or its last to the folder, or one of another
 * process still running (which may commit after this one).
 */
function mayBeWriting(name: string, target: string): boolean {
  const m = DATA_RE.exec(name) ?? MODEL_TMP_RE.exec(name) ?? CONFIG_TMP_RE.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return [...inFlight, lastWritten.get(target)].some((s) => s !== undefined && name.includes(s));
  return processAlive(pid);
}

const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'something is already there',
  ENAMETOOLONG: 'the name is too long',
};

function fsError(op: string, doing: string, path: string, e: unknown): Error {
  if (e instanceof NablaError) return e;
  const err = e as NodeJS.ErrnoException;
  const cause = (err.code && CAUSES[err.code]) ?? err.message;
  return new NablaError(`${op}: cannot ${doing} '${path}': ${cause}${err.code ? ` (${err.code})` : ''}`);
}

type Kind = 'missing' | 'file' | 'folder' | 'link' | 'other';

async function kindOf(path: string): Promise<Kind> {
  try {
    const st = await fs.lstat(path);
    return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

async function head(path: string, bytes: number): Promise<Uint8Array> {
  const h = await fs.open(path, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const { bytesRead } = await h.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

interface Entry {
  /** Whether it holds a model nabla wrote (its config or its model.onnx). */
  holdsModel: boolean;
  /** Paths, relative to the entry, of nabla's files that no current file refers to. */
  leftovers: string[];
  /** Paths of everything else. */
  foreign: string[];
}

/** What `<dir>/<name>` holds, as far as replacing it is concerned. */
async function inspect(target: string): Promise<Entry> {
  const entry: Entry = { holdsModel: false, leftovers: [], foreign: [] };
  for (const name of await fs.readdir(target)) {
    const path = join(target, name);
    const kind = await kindOf(path);
    if (name === 'config.pbtxt' && kind === 'file') {
      const first = new TextDecoder().decode(await head(path, CONFIG_HEADER.length));
      if (first === CONFIG_HEADER) entry.holdsModel = true;
      else entry.foreign.push(name);
    } else if (CONFIG_TMP_RE.test(name) && kind === 'file') {
      entry.leftovers.push(name);
    } else if (name === VERSION && kind === 'folder') {
      for (const inner of await fs.readdir(path)) {
        const file = join(path, inner);
        const innerKind = await kindOf(file);
        const rel = `${VERSION}/${inner}`;
        if (inner === 'model.onnx' && innerKind === 'file' && exportedByNabla(await head(file, 32))) entry.holdsModel = true;
        else if ((DATA_RE.test(inner) || MODEL_TMP_RE.test(inner)) && innerKind === 'file') entry.leftovers.push(rel);
        else entry.foreign.push(rel);
      }
    } else {
      entry.foreign.push(name);
    }
  }
  return entry;
}

async function writeDurably(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const h = await fs.open(path, 'wx');
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.byteLength) done += (await h.write(c, done, c.byteLength - done)).bytesWritten;
    }
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Makes renames in a folder durable where the platform can sync a folder (not Windows). */
async function syncFolder(path: string): Promise<void> {
  try {
    const h = await fs.open(path, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Folders cannot be opened for sync on Windows; the renames are durable when the OS says so.
  }
}

/**
 * Writes the entry made by `build(dataFile)` to `<dir>/<name>/`, after checking that nabla may.
 * `dataFile` is the name the external data file must have (stamped for this export).
 */
export async function writeTritonRepo(
  op: string,
  dir: string,
  name: string,
  overwrite: boolean,
  build: (dataFile: string) => Promise<TritonRepository>,
): Promise<void> {
  fs ??= await import('node:fs/promises');
  nodePath ??= await import('node:path');
  const root = nodePath.resolve(dir);
  try {
    const st = await fs.stat(root);
    if (!st.isDirectory()) throw new NablaError(`${op}: '${dir}' is a file, not a model repository folder`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(op, 'look at', dir, e);
  }
  const target = join(root, name);
  const shown = join(dir, name);
  const kind = await kindOf(target).catch((e) => {
    throw fsError(op, 'look at', shown, e);
  });
  if (kind === 'file' || kind === 'link' || kind === 'other') {
    throw new NablaError(
      `${op}: '${shown}' is ${kind === 'file' ? 'a file' : kind === 'link' ? 'a symbolic link' : 'not a folder'}; ` +
        'nabla writes a model only into a new folder or one it wrote (choose another name or repository)',
    );
  }
  const before = kind === 'folder' ? await inspect(target).catch((e) => Promise.reject(fsError(op, 'read', shown, e))) : null;
  if (before && before.foreign.length > 0) {
    const list = before.foreign.slice(0, 5).join(', ') + (before.foreign.length > 5 ? `, and ${before.foreign.length - 5} more` : '');
    throw new NablaError(
      `${op}: '${shown}' holds files nabla did not write (${list}); nabla replaces only a folder that exportTritonRepo wrote, ` +
        'and never deletes files it did not write: choose another name, or move them',
    );
  }
  if (before?.holdsModel && !overwrite) {
    throw new NablaError(
      `${op}: '${shown}' already holds a model nabla exported, and overwrite is false; pass { overwrite: true } to replace it`,
    );
  }

  const stamp = newStamp();
  const dataFile = `model.onnx.${stamp}.data`;
  const repo = await build(dataFile);
  const file = (path: string) => repo.files.find((f) => f.path === path);
  const config = file('config.pbtxt');
  const model = file(`${VERSION}/model.onnx`);
  const data = file(`${VERSION}/${dataFile}`);
  if (!config || !model) throw new NablaError(`${op}: internal: the repository entry lacks config.pbtxt or model.onnx`);

  const version = join(target, VERSION);
  const written: string[] = [];
  let committed = false;
  inFlight.add(stamp);
  try {
    await fs.mkdir(version, { recursive: true });
    if (data) {
      written.push(join(version, dataFile));
      await writeDurably(join(version, dataFile), data.chunks);
    }
    const modelTmp = join(version, `model.onnx.${stamp}.tmp`);
    written.push(modelTmp);
    await writeDurably(modelTmp, model.chunks);
    const configTmp = join(target, `config.pbtxt.${stamp}.tmp`);
    written.push(configTmp);
    await writeDurably(configTmp, config.chunks);
    // The model and its data together (one rename), then the config that describes them.
    await fs.rename(modelTmp, join(version, 'model.onnx'));
    committed = true;
    lastWritten.set(target, stamp);
    await syncFolder(version);
    await fs.rename(configTmp, join(target, 'config.pbtxt'));
    await syncFolder(target);
  } catch (e) {
    // Before the model's rename nothing of this export is in use; after it, its data file is.
    const ours = committed ? written.filter((p) => !p.endsWith('.data')) : written;
    await Promise.all(ours.map((p) => fs.rm(p, { force: true }).catch(() => {})));
    throw fsError(op, 'write the model into', shown, e);
  } finally {
    inFlight.delete(stamp);
  }
  await removeLeftovers(target);
}

/** Removes this folder's files of earlier exports that no export in progress may still use; best effort. */
async function removeLeftovers(target: string): Promise<void> {
  try {
    const now = await inspect(target);
    for (const rel of now.leftovers) {
      const base = rel.slice(rel.lastIndexOf('/') + 1);
      if (!mayBeWriting(base, target)) await fs.rm(join(target, rel), { force: true });
    }
  } catch {
    // A read-only folder or a concurrent change: the next export removes them.
  }
}
