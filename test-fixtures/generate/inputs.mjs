/**
 * Building blocks of the case table: input generators, input specs, and a compact notation
 * for tables of shapes and parameters.
 *
 * A generator is (rng, n) => typed array of n values. Float domains keep each op away
 * from where its gradient is undefined (kinks, jumps, poles), so central differences and
 * TF.js's gradient can be compared, and so nabla's gradient is well defined too.
 */

export const uniform = (lo, hi) => (rng, n) => rng.uniformArray(n, lo, hi);

/** Margin kept from a kink: the spec's 0.05, widened to twice the finite-difference step. */
const kinkMargin = (v) => Math.max(0.05, 0.02 * Math.max(1, Math.abs(v)));

/** Uniform in [lo, hi), away from the points kinks(v) returns. */
export const avoiding = (lo, hi, kinks) => (rng, n) =>
  Float32Array.from({ length: n }, () => rng.uniformAvoiding(lo, hi, kinks, kinkMargin));
export const awayFromZero = (lo, hi) => avoiding(lo, hi, () => [0]);

/** Magnitude uniform in [lo, hi) with a random sign: keeps denominators away from 0. */
export const magnitude = (lo, hi) => (rng, n) => Float32Array.from({ length: n }, () => (rng.bool() ? 1 : -1) * rng.uniform(lo, hi));

/** Values on a coarse grid, so that comparisons meet ties (equal, lessEqual, ...). */
const TIE_VALUES = [-1, -0.5, 0, 0.5, 1];
export const ties = (rng, n) => Float32Array.from({ length: n }, () => TIE_VALUES[rng.int(0, TIE_VALUES.length)]);

/**
 * Points near a lattice of step 0.2 (shifted by `offset`, jitter +-0.02). maximum/minimum take
 * one operand from offset 0 and the other from offset 0.1, so the two differ by more than
 * 0.05 whichever elements broadcasting pairs, and the gradient is well defined everywhere.
 */
export const lattice = (offset) => (rng, n) =>
  Float32Array.from({ length: n }, () => 0.2 * rng.int(-10, 10) + offset + rng.uniform(-0.02, 0.02));

/** Mostly ordinary values, with NaN and +-Infinity mixed in, for isNaN / isFinite. */
export const specials = (rng, n) =>
  Float32Array.from({ length: n }, () => {
    const u = rng.next();
    if (u < 0.2) return Number.NaN;
    if (u < 0.35) return Number.POSITIVE_INFINITY;
    if (u < 0.5) return Number.NEGATIVE_INFINITY;
    return rng.uniform(-3, 3);
  });

/** For cast: exact zeros (cast to bool) and values with fractions of both signs (cast to int32). */
export const castValues = (rng, n) => Float32Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : rng.uniform(-5, 5)));

export const bools = (rng, n) => Uint8Array.from({ length: n }, () => rng.bool());
export const ints = (lo, hi) => (rng, n) => Int32Array.from({ length: n }, () => rng.int(lo, hi));

// Input specs: { shape, dtype, gen, transpose? }.
export const f32 = (shape, gen) => ({ shape, dtype: 'float32', gen });
export const i32 = (shape, gen) => ({ shape, dtype: 'int32', gen });
export const bool = (shape) => ({ shape, dtype: 'bool', gen: bools });

/** The transposed variant of an input: stored as its `shape`, received by the op transposed. */
export const T = (input) => ({ ...input, transpose: true });

/** The transposed cases' stored shape: the op sees [6,4]. */
export const TRANSPOSED = [4, 6];

/**
 * A table written one row per line, columns separated by spaces, each cell JSON without
 * spaces: rows(`[2,3] [3] null`) is [[[2,3],[3],null]]. Keeps the shape tables readable
 * (the formatter would put every nested array on lines of its own).
 */
export function rows(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/).map((cell) => JSON.parse(cell)));
}
