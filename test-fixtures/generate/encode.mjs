import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * How values are written: plain JSON numbers, non-finite values as the strings "NaN",
 * "Infinity" and "-Infinity" (JSON has no literal for them), bools as 0/1. Float32 values are
 * written with the fewest significant digits (at most 9) that parse back to the same float32,
 * so the files are small and regenerating them gives the same bytes.
 */

export function encodeFloat32(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  const f = Math.fround(v);
  if (f === 0) return 0; // -0 is written as 0: JSON.stringify(-0) is "0" anyway.
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n;
  }
  throw new Error(`unreachable: ${v} has no 9-digit float32 form`);
}

export function encodeValues(values, dtype) {
  const out = new Array(values.length);
  if (dtype === 'float32') {
    for (let i = 0; i < values.length; i++) out[i] = encodeFloat32(values[i]);
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] | 0;
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    throw new Error(`encodeValues: unsupported dtype ${dtype}`);
  }
  return out;
}

/** A tensor record with a fixed key order: shape, dtype (when asked), data. */
export function encodeTensor(shape, dtype, values, { withDType = true } = {}) {
  const rec = { shape: [...shape] };
  if (withDType) rec.dtype = dtype;
  rec.data = encodeValues(values, dtype);
  return rec;
}

/**
 * JSON for a top-level object whose array under `listKey` is written one element per line: a
 * case per line keeps ops.json compact and still readable and diffable. Everything else is
 * JSON.stringify, whose key order is the insertion order the generator builds objects in.
 */
export function stringifyWithList(obj, listKey) {
  const head = Object.entries(obj)
    .filter(([k]) => k !== listKey)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const items = obj[listKey].map((item) => `  ${JSON.stringify(item)}`).join(',\n');
  return `{\n${head.map((h) => `  ${h},\n`).join('')}  ${JSON.stringify(listKey)}: [\n${items}\n  ]\n}\n`;
}

/** JSON with one top-level key per line; large arrays stay on their line. */
export function stringifyTopLevel(obj) {
  const lines = Object.entries(obj).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** Writes to a temporary file beside the target, then renames: readers never see half a file. */
export function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
