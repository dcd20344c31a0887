import { x } from './layers-inputs.mjs';

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
