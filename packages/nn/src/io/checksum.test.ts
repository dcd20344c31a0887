import { describe, expect, test } from 'vitest';
import { crc32 } from './checksum.js';

/** The textbook bit-at-a-time CRC-32, to check the table-driven one against. */
function reference(bytes: Uint8Array): string {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

describe('crc32', () => {
  test('known values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe('cbf43926');
    expect(crc32(new Uint8Array(0))).toBe('00000000');
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe('414fa339');
  });

  test('equals the bitwise reference at every length and alignment', () => {
    const data = new Uint8Array(300).map((_, i) => (i * 2654435761) >>> 23);
    for (let start = 0; start < 4; start++) {
      for (let n = 0; n < 40; n++) expect(crc32(data.subarray(start, start + n))).toBe(reference(data.subarray(start, start + n)));
    }
    expect(crc32(data)).toBe(reference(data));
  });

  test('any single flipped bit changes it', () => {
    const data = new Uint8Array(64).map((_, i) => i * 7);
    const base = crc32(data);
    for (let i = 0; i < data.length * 8; i++) {
      const copy = data.slice();
      copy[i >> 3] ^= 1 << (i & 7);
      expect(crc32(copy)).not.toBe(base);
    }
  });
});
