import { expect } from 'vitest';
import * as nb from '../index.js';

/**
 * Central finite differences in float64 against core's reverse mode. The function is projected
 * on a fixed random cotangent (sum(f(x) * w)), so one check covers every output element.
 */
export function checkGradients(
  f: (...xs: nb.Tensor[]) => nb.Tensor,
  inputs: number[][] | nb.Tensor[],
  opts: { h?: number; rtol?: number; atol?: number; shapes?: number[][] } = {},
): void {
  const { h = 1e-6, rtol = 1e-5, atol = 1e-7 } = opts;
  const xs = inputs.map((x, i) => (x instanceof nb.Tensor ? nb.cast(x, 'float64') : nb.tensor(x, opts.shapes?.[i], 'float64')));
  const out = f(...xs);
  const w = nb.randomUniform(out.shape, { seed: 7, minval: 0.5, maxval: 1.5, dtype: 'float64' });
  const project = (args: nb.Tensor[]) => nb.sum(nb.mul(f(...args), w));
  const analytic = nb
    .grad((args: nb.Tensor[]) => project(args))(xs)
    .map((g) => g.dataSync() as Float64Array);
  xs.forEach((x, k) => {
    const base = x.dataSync() as Float64Array;
    const numeric = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) => {
        const data = base.slice();
        data[i] += delta;
        const args = xs.map((y, j) => (j === k ? nb.tensor(data, y.shape, 'float64') : y));
        return nb.tidy(() => project(args).itemSync() as number);
      };
      numeric[i] = (at(h) - at(-h)) / (2 * h);
    }
    for (let i = 0; i < base.length; i++) {
      const a = analytic[k][i];
      const n = numeric[i];
      if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
        expect.fail(`gradient of operand ${k} at flat index ${i}: analytic ${a}, numeric ${n}`);
      }
    }
  });
}

/** Deterministic pseudo-random values in [lo, hi), for test inputs. */
export function values(n: number, lo = -1, hi = 1, seed = 1): number[] {
  let s = seed * 2654435761;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x6d2b79f5) >>> 0;
    out.push(lo + ((s >>> 8) / 2 ** 24) * (hi - lo));
  }
  return out;
}

/** Elementwise |a - b| <= atol + rtol * |b| over flat arrays, NaN matching NaN. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-6, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`at flat index ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
