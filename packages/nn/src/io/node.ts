import * as nb from '@nabla/core';

/** Whether this is Node.js (folder paths are folders) rather than a browser (they are URLs). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** Node's fs and path, loaded on use so that the package still bundles for browsers. */
export async function nodeFs(op: string) {
  if (!isNode()) {
    throw new nb.NablaError(
      `${op}: a folder path needs Node.js; in a browser use 'indexeddb://name', 'downloads://name' (save) or a URL or File objects (load)`,
    );
  }
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return {
    lstat: fs.lstat,
    readdir: fs.readdir,
    readFile: fs.readFile,
    mkdir: fs.mkdir,
    open: fs.open,
    rename: fs.rename,
    rm: fs.rm,
    join: path.join,
    resolve: path.resolve,
    dirname: path.dirname,
    basename: path.basename,
    sep: path.sep,
  };
}

export type NodeFs = Awaited<ReturnType<typeof nodeFs>>;

/** What a filesystem error code means, in the user's terms. */
const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied (the operation is not permitted)',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'something is already there',
  ENOTEMPTY: 'the folder is not empty',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'it is in use by another program',
  EIO: 'an input/output error (a failing disk or connection?)',
};

/** A filesystem error as a NablaError naming the operation, the path and the cause. */
export function fsError(op: string, doing: string, path: string, e: unknown): Error {
  if (e instanceof nb.NablaError) return e;
  const err = e as NodeJS.ErrnoException;
  const cause = (err.code && CAUSES[err.code]) ?? err.message;
  return new nb.NablaError(`${op}: cannot ${doing} '${path}': ${cause}${err.code ? ` (${err.code})` : ''}`);
}

/** Whether a process with this id is running on this machine (a zombie or another user's counts as running). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
