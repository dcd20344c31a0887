/**
 * CRC-32 (IEEE 802.3, the checksum of zip, gzip and PNG) of the weights file, recorded in
 * model.json and checked on every load.
 *
 * Why CRC-32 and not SHA-256: the checksum is there to catch accidental damage (a flipped bit
 * on disk, a truncated download, a half-copied file), which CRC-32 detects with certainty for
 * any burst of up to 32 bits and otherwise misses with probability 2^-32. A cryptographic hash
 * would add no protection against tampering (whoever edits weights.bin can edit model.json too),
 * and WebCrypto's SHA-256 is asynchronous and missing outside secure contexts (a page served over
 * plain http), while this runs unchanged in Node, browsers and workers.
 */

/** Slicing-by-4 tables: table[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array[] = (() => {
  const t = Array.from({ length: 4 }, () => new Uint32Array(256));
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0][b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 4; k++) t[k][b] = (t[0][t[k - 1][b] & 0xff] ^ (t[k - 1][b] >>> 8)) >>> 0;
  }
  return t;
})();

/** The CRC-32 of `bytes`, as 8 lowercase hex digits. */
export function crc32(bytes: Uint8Array): string {
  const [t0, t1, t2, t3] = TABLES;
  let c = 0xffffffff;
  const n = bytes.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
