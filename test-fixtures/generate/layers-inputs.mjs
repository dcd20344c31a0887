import { f32, uniform } from './inputs.mjs';

/** Input generators and specs for the layer cases. */

/** Ordinary float inputs: uniform in [-1, 1). */
export const x = (shape) => f32(shape, uniform(-1, 1));

/**
 * Distinct values, a shuffled lattice of step 0.05 centred on 0: max pooling then has a unique
 * winner in every window, further from the others than the finite-difference step (at most
 * 0.03 while |x| <= 3, so inputs stay under 120 values).
 */
export const distinct = (shape) =>
  f32(shape, (rng, n) => {
    if (n > 120) throw new Error(`distinct: ${n} values would leave the lattice closer than the finite-difference step`);
    const v = Float32Array.from({ length: n }, (_, k) => Math.fround((k - (n - 1) / 2) * 0.05));
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [v[i], v[j]] = [v[j], v[i]];
    }
    return v;
  });

/** A fixed int32 tensor (token ids), given row by row. */
export const ids = (rows) => ({ shape: [rows.length, rows[0].length], dtype: 'int32', gen: () => Int32Array.from(rows.flat()) });

/** A fixed bool mask [batch, time] for the first layer, given row by row. */
export const mask = (rows) => ({
  shape: [rows.length, rows[0].length],
  dtype: 'bool',
  arg: 'mask',
  gen: () => Uint8Array.from(rows.flat()),
});

/** A recurrent layer's initial state. */
export const state = (shape) => ({ ...x(shape), arg: 'initialState' });
