import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { fromJson, fromNpy } from './input.js';

/**
 * A .npy file as NumPy writes it (format 1.0): magic, version, header length, the header dict
 * padded with spaces to a multiple of 64 bytes and ending in a newline, then the data.
 */
function npy(descr: string, shape: number[], data: ArrayBufferView, fortran = false): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${dims}), }`;
  header = `${header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(
    Array.from(header, (c) => c.charCodeAt(0)),
    10,
  );
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

// Written by NumPy 2.4.6 (np.save), beside this file: what a user's files look like, not only what this test's writer makes.
const numpyFile = (name: string) => readFileSync(fileURLToPath(new URL(`./test-data/${name}`, import.meta.url)));

test('.npy files NumPy wrote: float32, int64 beyond int32, bool; Fortran order is refused', () => {
  const f4 = fromNpy('f4-2x3.npy', numpyFile('f4-2x3.npy'));
  expect(f4.shape).toEqual([2, 3]);
  expect(Array.from(f4.values)).toEqual([0.5, -1.25, 3, Math.fround(1e-3), 2.5, -0]);
  expect(f4.integers).toBe(false);
  const i8 = fromNpy('i8-3.npy', numpyFile('i8-3.npy'));
  expect(Array.from(i8.values)).toEqual([-2, 0, 2 ** 40]);
  expect(i8.integers).toBe(true);
  const b1 = fromNpy('b1-2x2.npy', numpyFile('b1-2x2.npy'));
  expect(b1.shape).toEqual([2, 2]);
  expect(Array.from(b1.values)).toEqual([1, 0, 0, 1]);
  expect(() => fromNpy('f8-fortran-2x3.npy', numpyFile('f8-fortran-2x3.npy'))).toThrow(/Fortran order.*ascontiguousarray/);
});

test('.npy element types: f4, f8, i4, i8, u1 and bool, little-endian, C order', () => {
  const cases: [string, ArrayBufferView, number[]][] = [
    ['<f4', new Float32Array([1.5, -2, 0.25, 4]), [1.5, -2, 0.25, 4]],
    ['<f8', new Float64Array([0.1, -2, 1e300, 4]), [0.1, -2, 1e300, 4]],
    ['<i4', new Int32Array([-7, 0, 2 ** 31 - 1, 4]), [-7, 0, 2 ** 31 - 1, 4]],
    ['<i8', new BigInt64Array([-7n, 0n, 2n ** 50n, 4n]), [-7, 0, 2 ** 50, 4]],
    ['|u1', new Uint8Array([0, 255, 3, 4]), [0, 255, 3, 4]],
    ['|b1', new Uint8Array([1, 0, 0, 1]), [1, 0, 0, 1]],
  ];
  for (const [descr, data, want] of cases) {
    const r = fromNpy(`x${descr}.npy`, npy(descr, [2, 2], data));
    expect(r.shape, descr).toEqual([2, 2]);
    expect(Array.from(r.values), descr).toEqual(want);
    expect(r.integers, descr).toBe(!descr.includes('f'));
  }
  // A Buffer that is a view into a larger pool (as readFile may give) reads from its own offset.
  const pooled = new Uint8Array(1000);
  const file = npy('<f4', [3], new Float32Array([1, 2, 3]));
  pooled.set(file, 200);
  expect(Array.from(fromNpy('pooled.npy', pooled.subarray(200, 200 + file.length)).values)).toEqual([1, 2, 3]);
});

test('.npy files nabla does not read are errors that say why and what to do', () => {
  expect(() => fromNpy('be.npy', npy('>f4', [2], new Uint8Array(8)))).toThrow(/big-endian \('>f4'\).*astype\('<f4'\)/);
  expect(() => fromNpy('c.npy', npy('<c8', [2], new Float32Array(4)))).toThrow(/'c8' elements; nabla reads f2, f4/);
  expect(() => fromNpy('short.npy', npy('<f4', [2, 3], new Float32Array(5)))).toThrow(/5 values where its shape \(2, 3\) needs 6/);
  expect(() => fromNpy('scalar.npy', npy('<f4', [], new Float32Array(1)))).toThrow(/scalar/);
  expect(() => fromNpy('text.npy', new TextEncoder().encode('[[1, 2]]'))).toThrow(/text\.npy is not a \.npy file nabla reads/);
  expect(() => fromNpy('big.npy', npy('<i8', [1], new BigInt64Array([2n ** 60n])))).toThrow(/too large to be read exactly/);
});

test('JSON input: rectangular nested arrays of numbers (booleans as 0 and 1); anything else is an error naming where', () => {
  expect(fromJson('a.json', '[[0.5, 1], [2, 3]]')).toEqual({ values: new Float64Array([0.5, 1, 2, 3]), shape: [2, 2], integers: false });
  expect(fromJson('b.json', '[[true, false]]')).toMatchObject({ shape: [1, 2], integers: true });
  expect(() => fromJson('c.json', '[[1, 2], [3]]')).toThrow(/not rectangular: \[1\] has 1 elements where \[2, 2\] needs 2/);
  expect(() => fromJson('d.json', '[[1, "x"]]')).toThrow(/element \[0\]\[1\] is "x", not a number/);
  expect(() => fromJson('e.json', '[[1, 2]')).toThrow(/e\.json is not valid JSON/);
  expect(() => fromJson('f.json', '[]')).toThrow(/empty array/);
  expect(() => fromJson('g.json', '{"x": 1}')).toThrow(/nested arrays of numbers, got object/);
  expect(() => fromJson('h.json', '[[1, [2]]]')).toThrow(/element \[0\]\[1\] is \[2\], not a number/);
});
