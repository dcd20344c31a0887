import { f32, i32, ints, rows, T, TRANSPOSED, uniform } from './inputs.mjs';

/** matmul/dot, and the movement ops: they rearrange values (their gradients route cotangents back). */

const g = uniform(-3, 3);

/** A case with one float input; `transpose` gives it transposed (params.transposeInput 0). */
function one(op, shape, params, run, transpose = false) {
  const input = f32(shape, g);
  return transpose ? { op, params: { ...params, transposeInput: 0 }, inputs: [T(input)], run } : { op, params, inputs: [input], run };
}

/** A case with several float inputs (concat, stack); `transpose` gives the first one transposed. */
function many(op, shapes, params, run, transpose = false) {
  const inputs = shapes.map((s, i) => (transpose && i === 0 ? T(f32(s, g)) : f32(s, g)));
  return { op, params: transpose ? { ...params, transposeInput: 0 } : params, inputs, run };
}

/**
 * a, b, transposeA, transposeB. TF.js broadcasts batch axes ([2,2,3]x[3,2]) as nabla does, but
 * rejects rank-1 operands (nabla treats them as numpy does), so those are left out.
 */
const MATMUL = rows(`
  [3,4]    [4,5]    false  false
  [1,7]    [7,1]    false  false
  [5,1]    [1,5]    false  false
  [2,3,4]  [2,4,5]  false  false
  [17,33]  [33,9]   false  false
  [2,2,3]  [3,2]    false  false
  [1,2,3]  [4,3,2]  false  false
  [4,3]    [4,5]    true   false
  [3,4]    [5,4]    false  true
  [4,3]    [5,4]    true   true
  [2,4,3]  [2,5,4]  true   true
  [0,3]    [3,4]    false  false
  [3,0]    [0,4]    false  false
`);

const DOT = rows(`
  [3]    [3]
  [17]   [17]
  [3]    [3,2]
  [2,3]  [3]
  [2,3]  [3,4]
`);

function matmulCases() {
  const gm = uniform(-1, 1);
  const run = (tf, [a, b], p) => tf.matMul(a, b, p.transposeA, p.transposeB);
  const cases = MATMUL.map(([sa, sb, transposeA, transposeB]) => ({
    op: 'matmul',
    params: { transposeA, transposeB },
    inputs: [f32(sa, gm), f32(sb, gm)],
    run,
  }));
  cases.push({
    op: 'matmul',
    params: { transposeA: false, transposeB: false, transposeInput: 0 },
    inputs: [T(f32([4, 3], gm)), f32([4, 5], gm)],
    run,
  });
  for (const [sa, sb] of DOT) cases.push({ op: 'dot', params: {}, inputs: [f32(sa, gm), f32(sb, gm)], run: (tf, [a, b]) => tf.dot(a, b) });
  return cases;
}

function reshapeLike() {
  const cases = [];
  const reshape = (tf, [x], p) => tf.reshape(x, p.shape);
  for (const [shape, target] of rows(`
    [2,3,5]  [6,5]
    [3,7]    [21]
    []       [1,1]
    [17]     [17,1]
    [2,3,5]  [-1,3]
    [0,3]    [3,0]
  `)) {
    cases.push(one('reshape', shape, { shape: target }, reshape));
  }
  cases.push(one('reshape', TRANSPOSED, { shape: [24] }, reshape, true));

  // perm null: nabla's default, the reversed axes.
  const transpose = (tf, [x], p) => (p.perm === null ? tf.transpose(x) : tf.transpose(x, p.perm));
  for (const [shape, perm] of rows(`
    [3,7]    [1,0]
    [3,7]    null
    [1,5]    [1,0]
    [2,3,5]  [2,0,1]
    [2,3,5]  [1,0,2]
    [2,3,5]  null
    [0,3]    [1,0]
    [17]     [0]
  `)) {
    cases.push(one('transpose', shape, { perm }, transpose));
  }

  const expandDims = (tf, [x], p) => tf.expandDims(x, p.axis);
  for (const [shape, axis] of rows(`
    [3,7]  0
    [3,7]  1
    [3,7]  2
    [3,7]  -1
    []     0
    [0,3]  1
  `)) {
    cases.push(one('expandDims', shape, { axis }, expandDims));
  }

  // axis null: every size-1 axis.
  const squeeze = (tf, [x], p) => (p.axis === null ? tf.squeeze(x) : tf.squeeze(x, p.axis));
  for (const [shape, axis] of rows(`
    [1,5]    [0]
    [1,3,1]  null
    [1,3,1]  [-1]
    [3,1,7]  [1]
    [1]      null
    [1,0,1]  [0,2]
  `)) {
    cases.push(one('squeeze', shape, { axis }, squeeze));
  }

  // Not to a shape with a size-0 axis: TF.js returns a wrongly shaped result there.
  const broadcastTo = (tf, [x], p) => tf.broadcastTo(x, p.shape);
  for (const [shape, target] of rows(`
    [3]      [2,3]
    []       [2,3]
    [2,1,3]  [2,4,3]
    [1,4]    [3,4]
    [5,1,1]  [5,2,17]
    [3,1]    [2,3,7]
  `)) {
    cases.push(one('broadcastTo', shape, { shape: target }, broadcastTo));
  }
  return cases;
}

function sliceLike() {
  const cases = [];
  // Missing trailing axes are taken whole, size -1 runs to the end. No negative begin: TF.js
  // reads out of range there.
  const slice = (tf, [x], p) => tf.slice(x, p.begin, p.size);
  for (const [shape, begin, size] of rows(`
    [17]     [3]      [5]
    [65]     [60]     [-1]
    [3,7]    [1,2]    [2,-1]
    [2,3,5]  [0,1,1]  [2,2,3]
    [2,3,5]  [1]      [-1]
    [3,7]    [1,2]    [0,3]
    [0,3]    [0,1]    [0,2]
  `)) {
    cases.push(one('slice', shape, { begin, size }, slice));
  }
  cases.push(one('slice', TRANSPOSED, { begin: [1, 1], size: [3, 2] }, slice, true));

  // Input shapes, axis, and whether the first input is given transposed.
  const concat = (tf, xs, p) => tf.concat(xs, p.axis);
  for (const [shapes, axis, transpose] of rows(`
    [[2,3],[4,3]]        0   false
    [[2,3],[2,5],[2,1]]  1   false
    [[2,3,5],[2,3,2]]    -1  false
    [[0,3],[2,3]]        0   false
    [[17],[1]]           0   false
    [[1,5],[1,5],[1,5]]  0   false
    [[6,4],[4,2]]        1   true
  `)) {
    cases.push(many('concat', shapes, { axis }, concat, transpose));
  }

  const stack = (tf, xs, p) => tf.stack(xs, p.axis);
  for (const [shapes, axis, transpose] of rows(`
    [[3,7],[3,7]]        0   false
    [[3,7],[3,7],[3,7]]  2   false
    [[],[],[]]           0   false
    [[2,3],[2,3]]        -1  false
    [[0,3],[0,3]]        1   false
    [[6,4],[4,6]]        1   true
  `)) {
    cases.push(many('stack', shapes, { axis }, stack, transpose));
  }

  // split: one case per part, params {sizes, axis, part}; sizes may be a count or a list with one -1.
  const split = (tf, [x], p) => tf.split(x, p.sizes, p.axis)[p.part];
  for (const [shape, sizes, axis, parts] of rows(`
    [10]     [3,-1,2]  0  3
    [3,7]    [2,5]     1  2
    [6,4]    3         0  3
    [2,3,5]  [1,1,1]   1  3
    [4,3]    [0,4]     0  2
  `)) {
    for (let part = 0; part < parts; part++) cases.push(one('split', shape, { sizes, axis, part }, split));
  }
  cases.push(one('split', TRANSPOSED, { sizes: [1, 3], axis: 1, part: 1 }, split, true));
  return cases;
}

function padLike() {
  const cases = [];
  // No scalar: TF.js rejects pad of a scalar (nabla accepts empty paddings).
  const pad = (tf, [x], p) => tf.pad(x, p.paddings, p.value);
  for (const [shape, paddings, value] of rows(`
    [3,7]    [[1,2],[0,3]]        0
    [17]     [[2,3]]              -1.5
    [2,3,5]  [[0,1],[1,0],[2,2]]  0.5
    [0,3]    [[1,1],[0,0]]        2
    [1,5]    [[0,0],[0,0]]        0
  `)) {
    cases.push(one('pad', shape, { paddings, value }, pad));
  }

  const tile = (tf, [x], p) => tf.tile(x, p.reps);
  for (const [shape, reps] of rows(`
    [2,3]    [2,3]
    [17]     [3]
    [1,5]    [4,1]
    [2,3,5]  [1,2,1]
    [2,3]    [0,2]
  `)) {
    cases.push(one('tile', shape, { reps }, tile));
  }
  cases.push(one('tile', TRANSPOSED, { reps: [1, 2] }, tile, true));

  // axis null: every axis.
  const reverse = (tf, [x], p) => (p.axis === null ? tf.reverse(x) : tf.reverse(x, p.axis));
  for (const [shape, axis] of rows(`
    [17]     null
    [3,7]    0
    [3,7]    [0,1]
    [2,3,5]  [1]
    [2,3,5]  -1
    [2,3,5]  null
    [0,3]    1
  `)) {
    cases.push(one('reverse', shape, { axis }, reverse));
  }
  cases.push(one('reverse', TRANSPOSED, { axis: 0 }, reverse, true));
  return cases;
}

function indexCases() {
  const cases = [];
  // gather: indices in range, with repeats (their gradients add up).
  const gather = (tf, [x, idx], p) => tf.gather(x, idx, p.axis);
  for (const [shape, idxShape, axis] of rows(`
    [5,3]    [4]    0
    [3,7]    [2,2]  1
    [2,3,5]  [6]    2
    [17]     []     0
    [4,3]    [0]    0
    [65]     [9]    0
  `)) {
    cases.push({ op: 'gather', params: { axis }, inputs: [f32(shape, g), i32(idxShape, ints(0, shape[axis]))], run: gather });
  }
  cases.push({ op: 'gather', params: { axis: 1, transposeInput: 0 }, inputs: [T(f32(TRANSPOSED, g)), i32([5], ints(0, 4))], run: gather });

  // oneHot: nabla returns float32, TF.js int32, so the reference is TF.js's result cast to
  // float32. Indices are drawn from [lo, hi): the last row has out-of-range ones (-1, depth),
  // which give an all-zero row in both libraries.
  const oneHot = (tf, [idx], p) => tf.cast(tf.oneHot(idx, p.depth), 'float32');
  for (const [shape, depth, lo, hi] of rows(`
    [5]    4  0   4
    [2,3]  5  0   5
    []     3  0   3
    [0]    3  0   3
    [17]   3  -1  4
  `)) {
    cases.push({ op: 'oneHot', params: { depth }, inputs: [i32(shape, ints(lo, hi))], run: oneHot });
  }
  return cases;
}

export function movementCases() {
  return [...matmulCases(), ...reshapeLike(), ...sliceLike(), ...padLike(), ...indexCases()];
}
