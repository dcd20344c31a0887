/**
 * The layer workloads' random data, the same in every peer: element i of the tensor seeded s is
 * lowbias32(i + s * 0x9e3779b9) / 2^32 scaled to [-1, 1), an integer hash that Python's numpy
 * (torch/peer.py's `uniform`) computes bit for bit alike, so PyTorch needs no data handed over.
 */
export function uniform(seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const base = Math.imul(seed, 0x9e3779b9) >>> 0;
  for (let i = 0; i < n; i++) {
    let x = (i + base) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    out[i] = ((x >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** n classes in [0, classes) from the same hash: floor((u + 1) / 2 * classes). */
export function classes(seed: number, n: number, count: number): Int32Array {
  return Int32Array.from(uniform(seed, n), (u) => Math.min(Math.floor(((u + 1) / 2) * count), count - 1));
}

/**
 * Batches 0..count-1 laid end to end; the workloads seed batch k's x with 1 + 2k and its y with
 * 2 + 2k, as torch/peer.py does.
 */
export function batches<T extends Float32Array | Int32Array>(count: number, make: (seed: number) => T): T {
  const parts = Array.from({ length: count }, (_, k) => make(k));
  const out = new (parts[0].constructor as new (n: number) => T)(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
