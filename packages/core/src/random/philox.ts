/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * reference every backend's `random` primitive is checked against bit for bit. Integer
 * arithmetic only; the 32x32->64 multiply is split into 16-bit halves so it is exact in
 * JavaScript numbers (and ports as-is to WGSL, which has no 64-bit integers).
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of a 32x32 unsigned product. */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lolo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

/** The four output words for counter (c0..c3) under key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Uniform [0, 1) floats as the `random` primitive defines them (primitives.ts). */
export function philoxUniform(size: number, key: ArrayLike<number>, offset: ArrayLike<number>): Float32Array {
  const out = new Float32Array(size);
  const [k0, k1, o0, o1] = [key[0] >>> 0, key[1] >>> 0, offset[0] >>> 0, offset[1] >>> 0];
  for (let block = 0; block * 4 < size; block++) {
    const words = philox4x32(block >>> 0, 0, o0, o1, k0, k1);
    for (let j = 0; j < 4 && block * 4 + j < size; j++) out[block * 4 + j] = (words[j] >>> 8) * 2 ** -24;
  }
  return out;
}
