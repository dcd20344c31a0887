/**
 * TF.js behaviours that the case table cannot show as cases (they concern composites, or
 * they are why a case is left out). Checked on every run and printed, so README.md's claims
 * about TF.js can be re-verified with the generator; nothing here is written to the fixtures.
 */

function attempt(f) {
  try {
    return f();
  } catch (e) {
    return `throws: ${e.message}`;
  }
}

export function probeKnownIssues(tf) {
  const x = () => tf.tensor([-1.5, -0.3, 0.4, 2]);
  const gradOf = (f) => attempt(() => tf.tidy(() => `gradient ${JSON.stringify(Array.from(tf.grad(f)(x()).dataSync()))}`));
  return [
    ['where(greater(x, 0), x, 0.2x): gradient', gradOf((v) => tf.sum(tf.where(tf.greater(v, 0), v, tf.mul(v, 0.2))))],
    ['where(less(x, 0), 0.2x, x): gradient', gradOf((v) => tf.sum(tf.where(tf.less(v, 0), tf.mul(v, 0.2), v)))],
    ['where(greaterEqual(x, 0), x, 0.2x): gradient', gradOf((v) => tf.sum(tf.where(tf.greaterEqual(v, 0), v, tf.mul(v, 0.2))))],
    ['broadcastTo(ones([3]), [0,3]): shape', attempt(() => tf.tidy(() => `[${tf.broadcastTo(tf.ones([3]), [0, 3]).shape}]`))],
    ['slice(x [3,7], begin [-2,0], size [2,3])', attempt(() => tf.tidy(() => `[${tf.slice(tf.ones([3, 7]), [-2, 0], [2, 3]).shape}]`))],
    ['argMax(scalar)', attempt(() => tf.tidy(() => `[${tf.argMax(tf.scalar(1)).shape}]`))],
    ['softmax(scalar)', attempt(() => tf.tidy(() => `[${tf.softmax(tf.scalar(1)).shape}]`))],
    ['pad(scalar, [])', attempt(() => tf.tidy(() => `[${tf.pad(tf.scalar(1), []).shape}]`))],
    ['matMul([3], [3,2])', attempt(() => tf.tidy(() => `[${tf.matMul(tf.ones([3]), tf.ones([3, 2])).shape}]`))],
    [
      'norm(x [2,3,5], euclidean, axis [0,1,2])',
      attempt(() => tf.tidy(() => `[${tf.norm(tf.ones([2, 3, 5]), 'euclidean', [0, 1, 2]).shape}]`)),
    ],
    ['max(x [0,3], axis 0)', attempt(() => tf.tidy(() => `${Array.from(tf.max(tf.ones([0, 3]), 0).dataSync())}`))],
    ['div(int32 7, int32 2)', attempt(() => tf.tidy(() => `${tf.div(tf.scalar(7, 'int32'), tf.scalar(2, 'int32')).dataSync()[0]}`))],
    ['mean(int32 [1,2]) dtype', attempt(() => tf.tidy(() => tf.mean(tf.tensor([1, 2], [2], 'int32')).dtype))],
    ['Adam default epsilon (backend)', String(tf.backend().epsilon())],
  ];
}
