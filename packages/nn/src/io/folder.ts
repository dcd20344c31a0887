import * as nb from '@nabla/core';
import {
  byteArray,
  type Decode,
  type Encoded,
  isNablaJson,
  jsonText,
  type ModelJson,
  parseModelJson,
  V1_WEIGHTS,
  validateModelJson,
} from './format.js';
import { cleanLegacySiblings, recoverLegacySibling } from './legacy.js';
import { fsError, type NodeFs, nodeFs, processAlive } from './node.js';

/**
 * A model in a folder (Node): `model.json` and the weights file it names, `weights-<stamp>.bin`.
 *
 * Replacing a model never leaves the folder without one, so no recovery is needed: the new
 * weights go to a new file name (the old model.json does not refer to it), model.json is written
 * to a temporary name and renamed over the old one (an atomic replacement of one file), and only
 * then is the old weights file removed. A crash at any moment leaves the old model or the new one,
 * plus, at worst, unreferenced files that the next save or load of the folder removes.
 *
 * Those files are recognized by name: `weights-<pid>-<time>-<random>.bin` and
 * `model.json.<pid>-<time>-<random>.tmp`, inside a folder whose model.json is nabla's. A file of a
 * save still in progress (its process alive, on this machine) is left alone, so two processes may
 * save the same folder (the last rename wins, and the folder always holds a whole model).
 *
 * What nabla replaces: a missing path (created, with its parents), an empty folder, or a folder
 * that holds a nabla model and nothing else. Anything else (a file, a link, a folder with other
 * files) is an error and nothing is touched: nabla never deletes a file it did not write.
 */

const STAMP = '(\\d+)-[0-9a-z]+-[0-9a-z]+';
const WEIGHTS_RE = new RegExp(`^weights-${STAMP}\\.bin$`);
const TMP_RE = new RegExp(`^model\\.json\\.${STAMP}\\.tmp$`);
const MODEL_JSON = 'model.json';

/** Stamps of the saves this process has in progress. */
const inFlight = new Set<string>();

function newStamp(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

/** Whether the process that wrote a file named with this pid may still be writing it. */
function mayBeWriting(name: string): boolean {
  const m = WEIGHTS_RE.exec(name) ?? TMP_RE.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return [...inFlight].some((s) => name.includes(s));
  return processAlive(pid);
}

/** What is at a path, as far as saving over it is concerned. */
type Place =
  | { kind: 'missing' | 'file' | 'link' | 'special' }
  | {
      kind: 'folder';
      /** model.json, when it is nabla's. */
      json?: ModelJson;
      /** Whether model.json is nabla's (even if damaged). */
      nablaJson: boolean;
      /** nabla's files other than model.json and the weights file it names. */
      leftovers: string[];
      /** Everything else. */
      foreign: string[];
    };

/** What kind of thing is at a path (not following a link). */
async function kindOf(fs: NodeFs, op: string, path: string, dir: string): Promise<Place['kind']> {
  let st: Awaited<ReturnType<NodeFs['lstat']>>;
  try {
    st = await fs.lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw fsError(op, 'look at', path, e);
  }
  if (st.isSymbolicLink()) return 'link';
  if (st.isFile()) return 'file';
  return st.isDirectory() ? 'folder' : 'special';
}

async function inspect(fs: NodeFs, op: string, path: string, dir: string): Promise<Place> {
  const kind = await kindOf(fs, op, path, dir);
  if (kind !== 'folder') return { kind };
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    throw fsError(op, 'list the folder', path, e);
  }
  let json: ModelJson | undefined;
  let nablaJson = false;
  if (names.includes(MODEL_JSON)) {
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(fs.join(dir, MODEL_JSON), 'utf8'));
      nablaJson = isNablaJson(parsed);
      if (nablaJson) json = validateModelJson(op, `${path}/${MODEL_JSON}`, parsed);
    } catch (e) {
      if (!(e instanceof SyntaxError) && !(e instanceof nb.NablaError)) throw fsError(op, 'read', `${path}/${MODEL_JSON}`, e);
    }
  }
  // Only a name nabla gives its weights files counts as the model's own: a model.json naming some
  // other file of the folder does not make that file nabla's to delete.
  const named = json?.weightsFile.path;
  const weights = named !== undefined && (WEIGHTS_RE.test(named) || named === V1_WEIGHTS) ? named : undefined;
  const leftovers: string[] = [];
  const foreign: string[] = [];
  for (const name of names) {
    if (name === MODEL_JSON) {
      if (!nablaJson) foreign.push(name);
    } else if (name === weights) {
      // the model's own weights file
    } else if (WEIGHTS_RE.test(name) || TMP_RE.test(name) || (nablaJson && name === V1_WEIGHTS)) {
      leftovers.push(name);
    } else {
      foreign.push(name);
    }
  }
  return { kind: 'folder', json, nablaJson, leftovers, foreign };
}

/**
 * Removes nabla's unreferenced files from a folder that holds a nabla model; best effort.
 *
 * A file is removed only when no save can still make model.json refer to it: its writer is gone
 * (or is this process, with that save finished), checked before model.json is read again, so a
 * save that renamed its model.json in the meantime is seen.
 */
async function removeLeftovers(fs: NodeFs, dir: string, op: string, path: string): Promise<void> {
  try {
    const place = await inspect(fs, op, path, dir);
    if (place.kind !== 'folder' || !place.nablaJson) return;
    const abandoned = place.leftovers.filter((name) => !mayBeWriting(name));
    if (abandoned.length === 0) return;
    const now = await inspect(fs, op, path, dir);
    if (now.kind !== 'folder' || !now.nablaJson) return;
    for (const name of abandoned) {
      if (now.leftovers.includes(name)) await fs.rm(fs.join(dir, name), { force: true });
    }
  } catch {
    // A read-only folder, or a concurrent change: the files go at a later save or load.
  }
}

/** Refuses '', the current folder, its ancestors and a root: saving there would replace the user's working folder. */
function checkTarget(fs: NodeFs, op: string, path: string): string {
  if (path.trim() === '') throw new nb.NablaError(`${op}: the path is empty; give a folder path such as './my-model'`);
  const dir = fs.resolve(path);
  const cwd = process.cwd();
  if (dir === fs.dirname(dir) || cwd === dir || cwd.startsWith(dir.endsWith(fs.sep) ? dir : dir + fs.sep)) {
    throw new nb.NablaError(
      `${op}: '${path}' is ${dir === cwd ? 'the current folder' : 'a folder that contains the current folder'} (${dir}); ` +
        "give the model a folder of its own, such as './my-model'",
    );
  }
  return dir;
}

/** Creates a folder and its missing parents (mkdir's own `recursive` loops forever under /proc on Node 20). */
async function makeFolder(fs: NodeFs, op: string, path: string, dir: string): Promise<void> {
  try {
    await fs.mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = fs.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw fsError(op, 'create the folder', path, e);
    await makeFolder(fs, op, path, parent);
    try {
      await fs.mkdir(dir);
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(op, 'create the folder', path, e2);
    }
  }
}

/** The most bytes one read moves: Node refuses a single read, and fs.readFile a file, of 2 GiB or more. */
const READ_CHUNK = 1 << 30;

/**
 * A whole file's bytes, read in chunks into one array: fs.readFile refuses files of 2 GiB or
 * more, which a model saved with Adam's state passes at about 700 MB of weights. A file that
 * shrinks meanwhile comes back short, for the size check to name.
 */
export async function readWhole(fs: NodeFs, op: string, file: string, chunk = READ_CHUNK): Promise<Uint8Array> {
  const h = await fs.open(file, 'r');
  try {
    const { size } = await h.stat();
    const bytes = byteArray(op, size, `the weights file ${file}`);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await h.read(bytes, at, Math.min(chunk, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await h.close();
  }
}

async function writeDurably(fs: NodeFs, file: string, data: Uint8Array | string): Promise<void> {
  const h = await fs.open(file, 'wx');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Makes a rename in `dir` durable; some platforms cannot sync a folder, and then the rename is durable when the OS says so. */
async function syncFolder(fs: NodeFs, dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Windows: folders cannot be opened for sync.
  }
}

export async function saveFolder(op: string, enc: Encoded, path: string, overwrite: boolean): Promise<void> {
  const fs = await nodeFs(op);
  const dir = checkTarget(fs, op, path);
  const place = await inspect(fs, op, path, dir);
  if (place.kind === 'file')
    throw new nb.NablaError(`${op}: '${path}' is a file, not a model folder; nabla does not replace it (choose another path)`);
  if (place.kind === 'link')
    throw new nb.NablaError(`${op}: '${path}' is a symbolic link; nabla does not replace it (save to the folder it points to)`);
  if (place.kind === 'special') throw new nb.NablaError(`${op}: '${path}' is neither a file nor a folder; nabla does not replace it`);
  if (place.kind === 'folder') {
    if (place.foreign.length > 0) {
      const shown = place.foreign.slice(0, 5).join(', ') + (place.foreign.length > 5 ? `, and ${place.foreign.length - 5} more` : '');
      throw new nb.NablaError(
        `${op}: '${path}' is a folder that is not a nabla model (it holds ${shown}); nabla replaces only an empty folder or a saved model, ` +
          'and never deletes files it did not write: choose a new or empty folder',
      );
    }
    if (place.nablaJson && !overwrite)
      throw new nb.NablaError(
        `${op}: '${path}' already holds a nabla model, and overwrite is false; pass { overwrite: true } to replace it`,
      );
  } else {
    await makeFolder(fs, op, path, dir);
  }

  const stamp = newStamp();
  inFlight.add(stamp);
  const weightsName = `weights-${stamp}.bin`;
  const tmpName = `${MODEL_JSON}.${stamp}.tmp`;
  const json: ModelJson = { ...enc.json, weightsFile: { ...enc.json.weightsFile, path: weightsName } };
  try {
    await writeDurably(fs, fs.join(dir, weightsName), enc.weights);
    await writeDurably(fs, fs.join(dir, tmpName), jsonText(json));
    await fs.rename(fs.join(dir, tmpName), fs.join(dir, MODEL_JSON));
    await syncFolder(fs, dir);
  } catch (e) {
    await fs.rm(fs.join(dir, tmpName), { force: true }).catch(() => {});
    await fs.rm(fs.join(dir, weightsName), { force: true }).catch(() => {});
    throw fsError(op, 'write the model in', path, e);
  } finally {
    inFlight.delete(stamp);
  }
  await removeLeftovers(fs, dir, op, path);
  await cleanLegacySiblings(fs, dir);
}

/**
 * Reads model.json and its weights file and hands them to `decode` (which checks them); when that
 * fails because a save replaced the model between the two reads, reads again.
 */
export async function loadFolder<T>(op: string, path: string, decode: Decode<T>): Promise<T> {
  const fs = await nodeFs(op);
  if (path.trim() === '') throw new nb.NablaError(`${op}: the path is empty; give the folder a model was saved to`);
  let dir = fs.resolve(path);
  // Only what is there: model.json is read below, and the folder listed when leftovers are removed.
  let kind = await kindOf(fs, op, path, dir);
  // TensorFlow.js names the model.json file itself: that names its folder.
  if (kind === 'file' && fs.basename(dir) === MODEL_JSON) {
    dir = fs.dirname(dir);
    kind = await kindOf(fs, op, path, dir);
  }
  if (kind === 'missing') {
    if (!(await recoverLegacySibling(fs, dir)))
      throw new nb.NablaError(`${op}: there is no model at '${path}' (no such file or folder: ${dir})`);
  } else if (kind !== 'folder') {
    throw new nb.NablaError(`${op}: '${path}' is ${kind === 'file' ? 'a file' : 'not a folder'}; give the folder that holds model.json`);
  }
  const readJson = async () => {
    try {
      return await fs.readFile(fs.join(dir, MODEL_JSON), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new nb.NablaError(`${op}: '${path}' holds no model.json, so it is not a saved model (or its first save was interrupted)`);
      throw fsError(op, 'read', `${path}/${MODEL_JSON}`, e);
    }
  };
  let text = await readJson();
  for (let attempt = 0; ; attempt++) {
    const json = parseModelJson(op, `${path}/${MODEL_JSON}`, text);
    const file = json.weightsFile.path;
    let result: T;
    try {
      let weights: Uint8Array;
      try {
        weights = await readWhole(fs, op, fs.join(dir, file));
      } catch (e) {
        if (e instanceof nb.NablaError) throw e;
        throw fsError(op, 'read', `${path}/${file}`, e);
      }
      result = decode(json, weights, `${path}/${file}`);
    } catch (e) {
      const again = attempt < 10 ? await readJson() : text;
      if (again === text) throw e;
      text = again;
      continue;
    }
    await removeLeftovers(fs, dir, op, path);
    await cleanLegacySiblings(fs, dir);
    return result;
  }
}
