import type { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * The `random` primitive in ONNX: Philox4x32-10 exactly as core's reference (random/philox.ts),
 * so every backend gives the same bits. Words are held in int64 (values in [0, 2^32)) and the
 * 32x32 multiply is split into 16-bit halves, so every intermediate stays below 2^35: exact.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO16 = 65536;
const TWO32 = 4294967296;

export function lowerRandom(b: OnnxGraphBuilder, counter: string, shape: number[]): string {
  const size = shape.reduce((a, c) => a * c, 1);
  const blocks = Math.max(1, Math.ceil(size / 4));
  const k = (v: number) => b.constant({ type: 'int64', shape: [], data: [BigInt(v)] });
  const add = (x: string, y: string) => b.op('Add', [x, y]);
  const mul = (x: string, y: string) => b.op('Mul', [x, y]);
  const div = (x: string, y: string) => b.op('Div', [x, y]);
  const mod = (x: string, y: string) => b.op('Mod', [x, y]);
  const xor = (x: string, y: string) => b.op('BitwiseXor', [x, y]);
  const low32 = (x: string) => mod(x, k(TWO32));

  // The counter operand is int32 [key0, key1, offset0, offset1]: reinterpret as unsigned.
  const words = low32(add(b.op('Cast', [counter], { to: { int: 7 } }), k(TWO32)));
  const pick = (i: number) => b.reshape(b.op('Slice', [words, bound(b, i), bound(b, i + 1)]), []);

  /** hi and lo 32 bits of m * x, for a constant m and x in [0, 2^32). */
  const mulhilo = (m: number, x: string): [string, string] => {
    const mLo = m % TWO16;
    const mHi = Math.floor(m / TWO16);
    const xLo = mod(x, k(TWO16));
    const xHi = div(x, k(TWO16));
    const lolo = mul(xLo, k(mLo));
    const mid1 = mul(xHi, k(mLo));
    const mid2 = mul(xLo, k(mHi));
    const carry = div(add(add(div(lolo, k(TWO16)), mod(mid1, k(TWO16))), mod(mid2, k(TWO16))), k(TWO16));
    const hi = low32(add(add(add(mul(xHi, k(mHi)), div(mid1, k(TWO16))), div(mid2, k(TWO16))), carry));
    const lo = low32(add(lolo, mul(mod(add(mid1, mid2), k(TWO16)), k(TWO16))));
    return [hi, lo];
  };

  let c0 = b.constant({ type: 'int64', shape: [blocks], data: Array.from({ length: blocks }, (_, i) => BigInt(i)) });
  let c1 = b.constant({ type: 'int64', shape: [blocks], data: new Array<bigint>(blocks).fill(0n) });
  let c2 = add(c1, pick(2));
  let c3 = add(c1, pick(3));
  let k0 = pick(0);
  let k1 = pick(1);
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    const n0 = xor(xor(hi1, c1), k0);
    const n2 = xor(xor(hi0, c3), k1);
    [c0, c1, c2, c3] = [n0, lo1, n2, lo0];
    if (round < 9) {
      k0 = low32(add(k0, k(W0)));
      k1 = low32(add(k1, k(W1)));
    }
  }
  // Interleave the four words per block, keep `size` of them, map (word >>> 8) to [0, 1).
  const column = (x: string) => b.op('Unsqueeze', [x, b.constant({ type: 'int64', shape: [1], data: [1n] })]);
  const interleaved = b.reshape(b.op('Concat', [c0, c1, c2, c3].map(column), { axis: { int: 1 } }), [blocks * 4]);
  const kept = b.op('Slice', [interleaved, bound(b, 0), bound(b, size)]);
  const top24 = b.op('Cast', [div(kept, k(256))], { to: { int: 1 } });
  const unit = b.op('Mul', [top24, b.constant({ type: 'float32', shape: [], data: [2 ** -24] })]);
  return b.reshape(unit, shape);
}

/** A one-element int64 vector, for Slice bounds. */
function bound(b: OnnxGraphBuilder, v: number): string {
  return b.constant({ type: 'int64', shape: [1], data: [BigInt(v)] });
}
