import { f32, i32, ints, magnitude, rows, T, TRANSPOSED, uniform } from './inputs.mjs';

/** Reductions ({axis, keepDims}), argMax/argMin ({axis}), softmax/logSoftmax ({axis: -1}). */

function normAxes(axis, rank) {
  if (axis === null) return Array.from({ length: rank }, (_, i) => i);
  return (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
}

/**
 * Raises (sign +1) or lowers (sign -1) the largest (smallest) element of each reduced group by
 * 0.2: max and min then have a unique winner with a clear gap, so their gradient is defined
 * and central differences never swap the winner.
 */
function separateWinners(sign) {
  return (values, spec) => {
    const inp = spec.inputs[0];
    const x = values[0];
    const stored = inp.shape;
    const axes = normAxes(spec.params.axis, stored.length);
    const best = new Map();
    for (let f = 0; f < x.length; f++) {
      // Stored multi-index, then the one the op sees (reversed when transposed), then the group.
      const m = new Array(stored.length);
      let r = f;
      for (let d = stored.length - 1; d >= 0; d--) {
        m[d] = r % stored[d];
        r = Math.floor(r / stored[d]);
      }
      const seen = inp.transpose ? m.reverse() : m;
      const key = seen.map((v, d) => (axes.includes(d) ? 0 : v)).join(',');
      const cur = best.get(key);
      if (cur === undefined || sign * x[f] > sign * x[cur]) best.set(key, f);
    }
    for (const f of best.values()) x[f] = Math.fround(x[f] + 0.2 * sign);
  };
}

/**
 * `emptyAxis`: the op is also checked over a size-0 axis. Only sum (0), prod (1) and norm (0)
 * agree there: TF.js gives NaN for max/min/logSumExp where nabla throws, and 0 for
 * mean/variance where nabla gives NaN (0/0). `large`: the shape of the large case, [8,1000]
 * over axis 1 by default, [1000] for ops whose finite differences (two evaluations per input
 * element) would otherwise take many seconds.
 */
const REDUCE = {
  sum: { run: (tf, x, p) => tf.sum(x, p.axis, p.keepDims), emptyAxis: true },
  mean: { run: (tf, x, p) => tf.mean(x, p.axis, p.keepDims) },
  max: { run: (tf, x, p) => tf.max(x, p.axis, p.keepDims), prepare: separateWinners(1) },
  min: { run: (tf, x, p) => tf.min(x, p.axis, p.keepDims), prepare: separateWinners(-1) },
  prod: {
    run: (tf, x, p) => tf.prod(x, p.axis, p.keepDims),
    gen: magnitude(0.5, 1.5),
    // Near 1, so that a product of 1000 values stays well inside float32's range.
    largeGen: magnitude(0.9, 1.1),
    large: [1000],
    emptyAxis: true,
  },
  logSumExp: { run: (tf, x, p) => tf.logSumExp(x, p.axis, p.keepDims), large: [1000] },
  variance: { run: (tf, x, p) => tf.moments(x, p.axis, p.keepDims).variance, large: [1000] },
  norm: { run: (tf, x, p) => tf.norm(x, 'euclidean', p.axis, p.keepDims), large: [1000], emptyAxis: true },
};

/** shape, axis, keepDims; the last row reduces over a size-0 axis. */
const REDUCE_SHAPES = rows(`
  []       null   false
  [17]     null   false
  [17]     0      true
  [1,5]    1      false
  [3,7]    0      false
  [3,7]    1      true
  [3,7]    -1     false
  [2,3,5]  [0,2]  false
  [2,3,5]  1      true
  [2,3,5]  null   true
  [65]     0      false
  [0,3]    1      false
`);
const EMPTY_AXIS = [[0, 3], 0, false];

function reduceCases() {
  const cases = [];
  for (const [op, r] of Object.entries(REDUCE)) {
    const gen = r.gen ?? uniform(-2, 2);
    const run = (tf, [x], p) => r.run(tf, x, p);
    const add = (input, params) => cases.push({ op, params, inputs: [input], run, prepare: r.prepare });
    for (const [shape, axis, keepDims] of [...REDUCE_SHAPES, ...(r.emptyAxis ? [EMPTY_AXIS] : [])]) {
      add(f32(shape, gen), { axis, keepDims });
    }
    if (r.large) add(f32(r.large, r.largeGen ?? gen), { axis: null, keepDims: false });
    else add(f32([8, 1000], gen), { axis: 1, keepDims: false });
    add(T(f32(TRANSPOSED, gen)), { axis: 1, keepDims: false, transposeInput: 0 });
  }
  for (const op of ['sum', 'max', 'min', 'prod']) {
    const run = (tf, [x], p) => REDUCE[op].run(tf, x, p);
    cases.push({ op, params: { axis: 1, keepDims: false }, tag: 'int32', inputs: [i32([3, 7], ints(-3, 4))], run });
  }
  return cases;
}

/** argMax/argMin: shape, axis. */
const ARG_SHAPES = rows(`
  [17]     null
  [1,5]    1
  [3,7]    0
  [3,7]    1
  [2,3,5]  -1
  [2,3,5]  1
  [2,3,5]  null
  [65]     0
  [0,3]    1
  [8,1000] 1
`);

/**
 * argMax/argMin take {axis} only (neither library has keepDims for them). axis null means over
 * all values in nabla but axis 0 in TF.js, so the TF.js side flattens first.
 */
function argCases() {
  const cases = [];
  const g = uniform(-2, 2);
  for (const op of ['argMax', 'argMin']) {
    const run = (tf, [x], p) => (p.axis === null ? tf[op](tf.reshape(x, [-1]), 0) : tf[op](x, p.axis));
    for (const [shape, axis] of ARG_SHAPES) cases.push({ op, params: { axis }, inputs: [f32(shape, g)], run });
    cases.push({ op, params: { axis: 0, transposeInput: 0 }, inputs: [T(f32(TRANSPOSED, g))], run });
    cases.push({ op, params: { axis: 1 }, tag: 'int32', inputs: [i32([3, 7], ints(-100, 100))], run });
  }
  return cases;
}

/** Over the last axis only: TF.js supports no other. A scalar is rejected by TF.js. */
function softmaxCases() {
  const cases = [];
  const g = uniform(-3, 3);
  for (const op of ['softmax', 'logSoftmax']) {
    const run = (tf, [x]) => tf[op](x, -1);
    for (const shape of [[1, 5], [3, 7], [2, 3, 5], [17], [65], [0, 3], [1]]) {
      cases.push({ op, params: { axis: -1 }, inputs: [f32(shape, g)], run });
    }
    cases.push({ op, params: { axis: -1, transposeInput: 0 }, inputs: [T(f32(TRANSPOSED, g))], run });
  }
  return cases;
}

export function reductionCases() {
  return [...reduceCases(), ...argCases(), ...softmaxCases()];
}
