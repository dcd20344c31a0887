import { distinct, x } from './layers-inputs.mjs';

/** Normalization and merging layer cases. */

const one = (className, config, input, training) => ({
  layers: [{ className, config }],
  inputs: [input],
  ...(training ? { training } : {}),
});

/**
 * BatchNormalization in inference (moving statistics) and in training (batch statistics; the
 * case also records the updated moving statistics). TF.js's training call reads gamma and beta
 * unconditionally, so center/scale false are covered in inference only; an axis other than the
 * last gives wrong values in TF.js (layers-probes.mjs), so those cases come from PyTorch.
 */
function normalization() {
  return [
    one('BatchNormalization', {}, x([4, 3])),
    one('BatchNormalization', {}, x([6, 4]), true),
    one('BatchNormalization', { momentum: 0.9 }, x([3, 4, 4, 2]), true),
    one('BatchNormalization', { epsilon: 0.01 }, x([2, 3, 3, 2])),
    one('BatchNormalization', { center: false }, x([3, 2, 4])),
    one('BatchNormalization', { scale: false }, x([3, 2, 4])),
    one('LayerNormalization', {}, x([2, 3, 5])),
    one('LayerNormalization', {}, x([4, 6])),
    one('LayerNormalization', { axis: [1, 2] }, x([2, 3, 4])),
    one('LayerNormalization', { axis: 1 }, x([2, 4, 3])),
    one('LayerNormalization', { epsilon: 1e-5, center: false }, x([3, 4])),
    one('LayerNormalization', { scale: false }, x([2, 2, 5])),
  ];
}

const merge = (className, config, shapes) => ({ layers: [{ className, config }], inputs: shapes.map(x) });

/**
 * Maximum and Minimum: input k is a distinct lattice (step 0.05) shifted by k / 60, so no two
 * inputs come within the finite-difference step of each other at any position (with plain
 * uniform inputs a near tie makes the central difference a blend of the two branches).
 */
const apart = (className, shapes) => ({
  layers: [{ className, config: {} }],
  inputs: shapes.map((shape, k) => {
    const d = distinct(shape);
    return { ...d, gen: (rng, n) => d.gen(rng, n).map((v) => Math.fround(v + k / 60)) };
  }),
});

function merging() {
  return [
    merge('Add', {}, [
      [2, 3],
      [2, 3],
    ]),
    merge('Add', {}, [
      [2, 3, 4],
      [2, 3, 4],
      [2, 3, 4],
    ]),
    merge('Multiply', {}, [
      [2, 5],
      [2, 5],
    ]),
    merge('Multiply', {}, [
      [2, 3, 2],
      [2, 3, 2],
      [2, 3, 2],
    ]),
    merge('Average', {}, [
      [2, 4],
      [2, 4],
    ]),
    merge('Average', {}, [
      [2, 2, 3],
      [2, 2, 3],
      [2, 2, 3],
    ]),
    merge('Concatenate', {}, [
      [2, 3],
      [2, 4],
    ]),
    apart('Maximum', [
      [2, 4],
      [2, 4],
    ]),
    apart('Maximum', [
      [2, 2, 3],
      [2, 2, 3],
      [2, 2, 3],
    ]),
    apart('Minimum', [
      [2, 4],
      [2, 4],
    ]),
    apart('Minimum', [
      [2, 2, 3],
      [2, 2, 3],
      [2, 2, 3],
    ]),
    merge('Dot', { axes: 1 }, [
      [3, 4],
      [3, 4],
    ]),
    merge('Dot', { axes: 1, normalize: true }, [
      [3, 4],
      [3, 4],
    ]),
    merge('Dot', { axes: [2, 2] }, [
      [2, 3, 4],
      [2, 5, 4],
    ]),
    merge('Dot', { axes: [1, 2] }, [
      [2, 3, 4],
      [2, 2, 3],
    ]),
    merge('Concatenate', { axis: 1 }, [
      [2, 3, 4],
      [2, 2, 4],
      [2, 1, 4],
    ]),
  ];
}

export function miscCases() {
  return [...normalization(), ...merging()];
}
