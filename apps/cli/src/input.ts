import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseNpy } from 'npyjs';
import { UsageError } from './args.js';

/** A file's array: its values in C order, its shape, and whether the file holds integers (or booleans). */
export interface InputArray {
  values: Float64Array;
  shape: number[];
  integers: boolean;
}

/** Reads FILE.json (nested arrays of numbers) or FILE.npy (NumPy's format); the kind is the file's extension. */
export async function readInput(path: string): Promise<InputArray> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.npy') throw new UsageError(`predict: --input takes a .json or .npy file, got '${path}'`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new UsageError(`predict: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return ext === '.json' ? fromJson(path, bytes.toString('utf8')) : fromNpy(path, bytes);
}

/** Nested arrays of numbers (or booleans), rectangular: `[[0.5], [1.5]]` is shape [2, 1]. */
export function fromJson(path: string, text: string): InputArray {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`predict: ${path} is not valid JSON (${(e as Error).message})`);
  }
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    if (v.length === 0) throw new UsageError(`predict: ${path} has an empty array at depth ${shape.length}: nothing to predict`);
    shape.push(v.length);
  }
  if (shape.length === 0) throw new UsageError(`predict: ${path} must hold nested arrays of numbers, got ${typeof value}`);
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let at = 0;
  let integers = true;
  const walk = (v: unknown, depth: number, where: number[]): void => {
    const here = () => `[${where.join('][')}]`;
    if (depth === shape.length) {
      if (typeof v === 'boolean') v = v ? 1 : 0;
      if (typeof v !== 'number') throw new UsageError(`predict: ${path}: element ${here()} is ${JSON.stringify(v)}, not a number`);
      if (!Number.isInteger(v)) integers = false;
      values[at++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `${v.length} elements` : JSON.stringify(v);
      throw new UsageError(
        `predict: ${path} is not rectangular: ${where.length ? here() : 'the top level'} has ${got} where [${shape.join(', ')}] needs ${shape[depth]}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...where, i]);
  };
  walk(value, 0, []);
  return { values, shape, integers };
}

/** The .npy element types read here: numbers and booleans (little-endian or single-byte), C order. */
const NPY_KINDS = ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1'];

/**
 * NumPy's .npy format (read by npyjs), checked: the element type is one of NPY_KINDS and
 * little-endian, the array is in C order, and the file holds exactly the values its header's
 * shape needs.
 */
export function fromNpy(path: string, bytes: Uint8Array): InputArray {
  // npyjs reads an ArrayBuffer from its start: a Buffer from readFile may be a view of a larger pool.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(
    new TextDecoder('latin1').decode(new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 4096))),
  );
  if (descr?.[1].startsWith('>'))
    throw new UsageError(
      `predict: ${path} is big-endian ('${descr[1]}'); save it little-endian (numpy: a.astype('<${descr[1].slice(1)}'))`,
    );
  let array: ReturnType<typeof parseNpy>;
  try {
    array = parseNpy(buffer);
  } catch (e) {
    throw new UsageError(`predict: ${path} is not a .npy file nabla reads: ${(e as Error).message}`);
  }
  const { dtype, shape, fortranOrder, data } = array;
  if (!NPY_KINDS.includes(dtype))
    throw new UsageError(`predict: ${path} holds '${dtype}' elements; nabla reads ${NPY_KINDS.join(', ')} (little-endian)`);
  if (fortranOrder && shape.length > 1)
    throw new UsageError(`predict: ${path} is in Fortran order; save it in C order (numpy: np.ascontiguousarray(a))`);
  if (shape.length === 0) throw new UsageError(`predict: ${path} holds a scalar (shape ()); the model takes a batch of samples`);
  const n = shape.reduce((a, b) => a * b, 1);
  const source = data as unknown as ArrayLike<number | bigint | boolean>;
  if (source.length !== n)
    throw new UsageError(
      `predict: ${path} has ${source.length} values where its shape (${shape.join(', ')}) needs ${n} (truncated or padded?)`,
    );
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = source[i];
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
        throw new UsageError(`predict: ${path}: value ${v} at flat index ${i} is too large to be read exactly`);
      values[i] = Number(v);
    } else values[i] = typeof v === 'boolean' ? Number(v) : v;
  }
  return { values, shape: [...shape], integers: !dtype.startsWith('f') };
}
