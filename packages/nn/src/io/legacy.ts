import { isNablaJson, parseModelJson } from './format.js';
import { type NodeFs, processAlive } from './node.js';

/**
 * Copies left beside a model folder by nabla's earlier folder swap, which saved into
 * `<dir>.saving-<pid>-<ms>-<random>`, renamed `<dir>` to `<dir>.old-<same>`, renamed the new copy to
 * `<dir>` and removed the old one. A crash between the two renames left no model at `<dir>`; most
 * crashes left a full copy beside it. Loading a missing `<dir>` restores the newest complete copy;
 * saving or loading `<dir>` removes the others, when their writer is gone and they hold nothing
 * but nabla's two files.
 */

const FILES = ['model.json', 'weights.bin'];
/** How JSON.stringify(json, null, 2) begins model.json: a partial model.json of nabla's still starts so. */
const JSON_START = '{\n  "format": "nabla-model"';

interface Sibling {
  name: string;
  kind: 'old' | 'saving';
  pid: number;
  time: number;
}

async function siblings(fs: NodeFs, dir: string): Promise<Sibling[]> {
  const base = fs.basename(dir);
  const re = /^(.*)\.(old|saving)-(\d+)-(\d+)-(\d+)$/;
  let names: string[];
  try {
    names = await fs.readdir(fs.dirname(dir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const m = re.exec(name);
    if (!m || m[1] !== base) return [];
    return [{ name, kind: m[2] as 'old' | 'saving', pid: Number(m[3]), time: Number(m[4]) }];
  });
}

/** The copy's state: complete (a loadable model), partial (only nabla's files, some missing or cut short), or not nabla's. */
async function examine(fs: NodeFs, path: string): Promise<'complete' | 'partial' | 'foreign'> {
  try {
    const st = await fs.lstat(path);
    if (!st.isDirectory()) return 'foreign';
    const names = await fs.readdir(path);
    if (names.some((n) => !FILES.includes(n))) return 'foreign';
    if (!names.includes('model.json')) return 'partial';
    const text = await fs.readFile(fs.join(path, 'model.json'), 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return JSON_START.startsWith(text) || text.startsWith(JSON_START) ? 'partial' : 'foreign';
    }
    if (!isNablaJson(parsed)) return 'foreign';
    try {
      const json = parseModelJson('load', path, text);
      const size = names.includes('weights.bin') ? (await fs.lstat(fs.join(path, 'weights.bin'))).size : -1;
      return json.weightsFile.path === 'weights.bin' && size === json.weightsFile.byteLength ? 'complete' : 'partial';
    } catch {
      return 'partial';
    }
  } catch {
    return 'foreign';
  }
}

/** When `dir` is missing: renames the newest complete copy left by an interrupted save to `dir`. Returns whether it did. */
export async function recoverLegacySibling(fs: NodeFs, dir: string): Promise<boolean> {
  const parent = fs.dirname(dir);
  // The new copy (.saving) is newer than the old one (.old) of the same save.
  const order = (await siblings(fs, dir))
    .filter((s) => !processAlive(s.pid))
    .sort((a, b) => b.time - a.time || (a.kind === 'saving' ? -1 : 1));
  for (const s of order) {
    const path = fs.join(parent, s.name);
    if ((await examine(fs, path)) !== 'complete') continue;
    try {
      await fs.rename(path, dir);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** Removes the copies beside `dir` that are nabla's and whose writer is gone; best effort. */
export async function cleanLegacySiblings(fs: NodeFs, dir: string): Promise<void> {
  const parent = fs.dirname(dir);
  for (const s of await siblings(fs, dir)) {
    if (processAlive(s.pid)) continue;
    const path = fs.join(parent, s.name);
    if ((await examine(fs, path)) === 'foreign') continue;
    await fs.rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
