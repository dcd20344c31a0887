export type NumericArray = Float32Array | Float64Array | Int32Array;

/*
 * Cache-blocked matrix multiply in the GotoBLAS style, in plain TypeScript.
 *
 * Per batch item the loops are: columns of op(B) in panels of NC (each panel packed once, for
 * all of k), rows of op(A) in blocks of MC, k in blocks of KC (the MC x KC block of A packed),
 * then a 4 x 4 register-tiled micro-kernel for every 4-column strip of the B block and every
 * 4-row strip of the A block. Why:
 * - Packing copies operands into Float64Array scratch as strips of 4 rows (of A) or 4 columns
 *   (of B), interleaved so each step of k reads 4 adjacent values of each. Transposes are
 *   absorbed there, so the hot loop never reads with a stride, and because every packed
 *   buffer is a Float64Array the micro-kernel stays monomorphic whatever the input type (V8
 *   specializes element access per typed-array kind). Strips are zero-padded to 4, so the
 *   micro-kernel has no edge cases.
 * - A KC x 4 strip of B (8 KiB) stays in L1 while the micro-kernel sweeps the MC x KC block of
 *   A (128 KiB, L2); the KC x NC block of B (512 KiB) is reused across the A block from L2.
 * - The 16 accumulators are locals (registers or stack slots, never the heap): each step of k
 *   does 16 multiply-adds for 8 loads, and C is touched once per KC steps.
 * - C accumulates in double precision in an MC x NC Float64Array tile and is converted to the
 *   output type once, after all of k.
 * int32 operands take a plain loop of their own (intMatmul), which wraps as int32 arithmetic does.
 * Tiny and matrix-vector problems take a direct loop instead. Scratch is module-level and only
 * grows: two fixed blocks plus k x NC doubles for the packed B panel.
 */

const MC = 64; // rows of op(A) per packed block
const KC = 256; // depth of a packed block
const NC = 256; // columns of op(B) per packed panel
const SMALL = 64; // m*n*k up to which the direct loop is faster

let packA = new Float64Array(0);
let packB = new Float64Array(0);
let cBuf = new Float64Array(0);

const roundUp4 = (x: number): number => (x + 3) & ~3;

/**
 * int32 products, summed modulo 2^32 as int32 mul and add wrap (Math.imul and | 0): the blocked
 * kernel's doubles would lose the low bits of sums past 2^53.
 */
function intMatmul(
  a: NumericArray,
  b: NumericArray,
  out: Int32Array,
  batch: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
) {
  for (let i = 0; i < batch; i++) {
    const aOff = i * m * k;
    const bOff = i * k * n;
    const oOff = i * m * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let acc = 0;
        for (let j = 0; j < k; j++) {
          const av = a[aOff + (tA ? j * m + r : r * k + j)];
          const bv = b[bOff + (tB ? c * k + j : j * n + c)];
          acc = (acc + Math.imul(av, bv)) | 0;
        }
        out[oOff + r * n + c] = acc;
      }
    }
  }
}

/**
 * out[b] = op(A[b]) x op(B[b]) for b in 0..batch-1, all row-major and contiguous.
 * A[b] is stored as m x k (or k x m when transposeA), B[b] as k x n (or n x k when transposeB).
 * out has batch*m*n elements and is fully overwritten. a, b, out are the same array type.
 */
export function matmulKernel(
  a: NumericArray,
  b: NumericArray,
  out: NumericArray,
  batch: number,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  if (out instanceof Int32Array) {
    intMatmul(a, b, out, batch, m, n, k, transposeA, transposeB);
    return;
  }
  // Matrix-vector shapes would waste 3/4 of every 4 x 4 tile, and are memory-bound anyway.
  const direct = m * n * k <= SMALL || m === 1 || n === 1;
  if (direct) {
    if (cBuf.length < n) cBuf = new Float64Array(n);
  } else {
    const ncMax = Math.min(roundUp4(n), NC);
    if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
    if (packB.length < k * ncMax) packB = new Float64Array(k * ncMax);
    if (cBuf.length < MC * ncMax) cBuf = new Float64Array(MC * ncMax);
  }
  for (let i = 0; i < batch; i++) {
    const aOff = i * m * k;
    const bOff = i * k * n;
    const oOff = i * m * n;
    if (direct) directMatmul(a, b, out, aOff, bOff, oOff, m, n, k, transposeA, transposeB);
    else blockedMatmul(a, b, out, aOff, bOff, oOff, m, n, k, transposeA, transposeB);
  }
}

// In both paths op(A)(i, p) = a[aOff + i*aRs + p*aPs] and op(B)(p, j) = b[bOff + j*bRs + p*bPs].

function blockedMatmul(
  a: NumericArray,
  b: NumericArray,
  out: NumericArray,
  aOff: number,
  bOff: number,
  oOff: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
): void {
  const c = cBuf;
  const pa = packA;
  const pb = packB;
  const aRs = tA ? 1 : k;
  const aPs = tA ? m : 1;
  const bRs = tB ? k : 1;
  const bPs = tB ? 1 : n;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const ldc = roundUp4(nc); // row stride of the C tile; the B block at depth pc starts at pc * ldc
    for (let pc = 0; pc < k; pc += KC) {
      packStrips(b, bOff + jc * bRs + pc * bPs, bRs, bPs, nc, Math.min(KC, k - pc), pb, pc * ldc);
    }
    for (let ic = 0; ic < m; ic += MC) {
      const mc = Math.min(MC, m - ic);
      c.fill(0, 0, roundUp4(mc) * ldc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        packStrips(a, aOff + ic * aRs + pc * aPs, aRs, aPs, mc, kc, pa, 0);
        for (let jr = 0; jr < nc; jr += 4) {
          const bStrip = pc * ldc + jr * kc;
          for (let ir = 0; ir < mc; ir += 4) microKernel(pa, ir * kc, pb, bStrip, kc, c, ir * ldc + jr, ldc);
        }
      }
      for (let i = 0; i < mc; i++) {
        const src = i * ldc;
        const dst = oOff + (ic + i) * n + jc;
        for (let j = 0; j < nc; j++) out[dst + j] = c[src + j];
      }
    }
  }
}

/** c[4 x 4 tile at cOff, row stride ldc] += (A strip at pa[aOff]) x (B strip at pb[bOff]), over kc. */
// biome-ignore format: one row of the register tile per line
function microKernel(pa: Float64Array, aOff: number, pb: Float64Array, bOff: number, kc: number, c: Float64Array, cOff: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = aOff + kc * 4;
  for (let ai = aOff, bi = bOff; ai < end; ai += 4, bi += 4) {
    const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  let o = cOff;
  c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
  o += ldc;
  c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
  o += ldc;
  c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
  o += ldc;
  c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
}

/**
 * Packs a rows x kc matrix X, X(r, p) = x[off + r*rs + p*ps], into dst from dOff as strips of 4
 * rows: dst[dOff + (s*kc + p)*4 + q] = X(4s + q, p), zero-padded past the last row. Every operand
 * layout is some (rs, ps) with one of them 1, so this one loop serves all four transpose cases;
 * each step reads 4 elements that are adjacent or lie in 4 rows read sequentially.
 */
function packStrips(x: NumericArray, off: number, rs: number, ps: number, rows: number, kc: number, dst: Float64Array, dOff: number): void {
  const full = rows - (rows % 4);
  for (let r = 0; r < full; r += 4) {
    let d = dOff + r * kc;
    let s = off + r * rs;
    for (let p = 0; p < kc; p++, s += ps, d += 4) {
      dst[d] = x[s];
      dst[d + 1] = x[s + rs];
      dst[d + 2] = x[s + 2 * rs];
      dst[d + 3] = x[s + 3 * rs];
    }
  }
  if (full === rows) return;
  const rem = rows - full;
  let d = dOff + full * kc;
  let s = off + full * rs;
  for (let p = 0; p < kc; p++, s += ps, d += 4) {
    for (let q = 0; q < 4; q++) dst[d + q] = q < rem ? x[s + q * rs] : 0;
  }
}

/** Direct loops for tiny and matrix-vector problems, accumulating in double. */
function directMatmul(
  a: NumericArray,
  b: NumericArray,
  out: NumericArray,
  aOff: number,
  bOff: number,
  oOff: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
): void {
  const aRs = tA ? 1 : k;
  const aPs = tA ? m : 1;
  const bRs = tB ? k : 1;
  const bPs = tB ? 1 : n;
  if (tB || n === 1) {
    // Columns of op(B) are contiguous: one dot product per output.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0, ai = aOff + i * aRs, bi = bOff + j * bRs; p < k; p++, ai += aPs, bi += bPs) s += a[ai] * b[bi];
        out[oOff + i * n + j] = s;
      }
    }
    return;
  }
  // Rows of op(B) are contiguous: each row of C is a sum of scaled rows of B, built in double.
  const acc = cBuf;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * aRs + p * aPs];
      const src = bOff + p * bPs;
      for (let j = 0; j < n; j++) acc[j] += av * b[src + j];
    }
    const dst = oOff + i * n;
    for (let j = 0; j < n; j++) out[dst + j] = acc[j];
  }
}
