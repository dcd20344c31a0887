import { sizeOf } from '@nabla/core';
import type { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * The `random` primitive in ONNX: Philox4x32-10 exactly as core's reference (random/philox.ts),
 * so every backend gives the same bits. Words are held in uint64 (values below 2^32), where a
 * 32x32 product is exact: its high word is a shift, its low word a mask. About 160 ONNX nodes
 * for one draw; int64 words would need each product split into 16-bit halves, 561 nodes (see
 * docs/architecture.md for the timings).
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

export function lowerRandom(b: OnnxGraphBuilder, counter: string, shape: number[]): string {
  const size = sizeOf(shape);
  const blocks = Math.max(1, Math.ceil(size / 4));
  const k = (v: number) => b.constant({ type: 'uint64', shape: [], data: [BigInt(v)] });
  const xor = (x: string, y: string) => b.op('BitwiseXor', [x, y]);
  const low32 = (x: string) => b.op('BitwiseAnd', [x, k(0xffffffff)]);
  const shiftRight = (x: string, n: number) => b.op('BitShift', [x, k(n)], { direction: { string: 'RIGHT' } });

  // The counter operand is int32 [key0, key1, offset0, offset1]; as uint32 it is the words' bits.
  const words = b.cast(b.cast(counter, 'uint32'), 'uint64');
  const pick = (i: number) => b.reshape(b.op('Slice', [words, b.int64s([i]), b.int64s([i + 1])]), []);

  /** hi and lo 32 bits of m * x, for a constant m and x below 2^32. */
  const mulhilo = (m: number, x: string): [string, string] => {
    const product = b.op('Mul', [x, k(m)]);
    return [shiftRight(product, 32), low32(product)];
  };

  let c0 = b.constant({ type: 'uint64', shape: [blocks], data: Array.from({ length: blocks }, (_, i) => BigInt(i)) });
  let c1 = b.constant({ type: 'uint64', shape: [blocks], data: new Array<bigint>(blocks).fill(0n) });
  let c2 = b.op('Add', [c1, pick(2)]);
  let c3 = b.op('Add', [c1, pick(3)]);
  let k0 = pick(0);
  let k1 = pick(1);
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    const n0 = xor(xor(hi1, c1), k0);
    const n2 = xor(xor(hi0, c3), k1);
    [c0, c1, c2, c3] = [n0, lo1, n2, lo0];
    if (round < 9) {
      k0 = low32(b.op('Add', [k0, k(W0)]));
      k1 = low32(b.op('Add', [k1, k(W1)]));
    }
  }
  // Interleave the four words per block, keep `size` of them, map (word >>> 8) to [0, 1).
  const column = (x: string) => b.op('Unsqueeze', [x, b.int64s([1])]);
  const interleaved = b.reshape(b.op('Concat', [c0, c1, c2, c3].map(column), { axis: { int: 1 } }), [blocks * 4]);
  const kept = b.op('Slice', [interleaved, b.int64s([0]), b.int64s([size])]);
  const top24 = b.cast(shiftRight(kept, 8), 'float32');
  const unit = b.op('Mul', [top24, b.scalar('float32', 2 ** -24)]);
  return b.reshape(unit, shape);
}
