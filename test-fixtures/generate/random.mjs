/**
 * Seeded randomness for the fixtures. Nothing here uses Math.random or tf.random: every value
 * comes from mulberry32 seeded by a hash of a name, so the files are the same on every run and
 * each case's data depends only on its own id (adding a case does not change the others).
 */

/** FNV-1a, 32 bits: turns a case id into a seed. */
export function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, well-known 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator with the helpers the case table needs. */
export class Rng {
  constructor(seedOrName) {
    this.next = mulberry32(typeof seedOrName === 'string' ? hashString(seedOrName) : seedOrName);
  }

  /** Uniform in [lo, hi), rounded to float32 (the dtype every float input is stored in). */
  uniform(lo, hi) {
    return Math.fround(lo + (hi - lo) * this.next());
  }

  /** Integer in [lo, hi). */
  int(lo, hi) {
    return lo + Math.floor((hi - lo) * this.next());
  }

  bool() {
    return this.next() < 0.5 ? 1 : 0;
  }

  /** Fills a Float32Array of `n` values uniform in [lo, hi). */
  uniformArray(n, lo, hi) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /**
   * Uniform in [lo, hi) but more than margin(v) away from every point in kinks(v) (redrawn
   * until so): where a function has a kink or a jump its gradient is not defined, and central
   * differences straddling the point would be meaningless.
   */
  uniformAvoiding(lo, hi, kinks, margin) {
    for (;;) {
      const v = this.uniform(lo, hi);
      if (kinks(v).every((k) => Math.abs(v - k) > margin(v))) return v;
    }
  }
}
