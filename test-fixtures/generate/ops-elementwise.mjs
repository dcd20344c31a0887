import {
  avoiding,
  awayFromZero,
  bool,
  castValues,
  f32,
  i32,
  ints,
  lattice,
  magnitude,
  rows,
  specials,
  T,
  TRANSPOSED,
  ties,
  uniform,
} from './inputs.mjs';

/** Elementwise ops: unary, binary (broadcasting), where, cast. */

/** Awkward shapes: scalar, size-1 axis, odd sizes, rank 3, size 0, sizes off multiples of 4/8/16/64. */
const UNARY_SHAPES = rows(`
  []
  [1,5]
  [3,7]
  [2,3,5]
  [0,3]
  [17]
  [65]
`).map(([s]) => s);

const UNARY = [
  { op: 'neg', gen: uniform(-3, 3), run: (tf, x) => tf.neg(x) },
  { op: 'abs', gen: awayFromZero(-3, 3), run: (tf, x) => tf.abs(x) },
  { op: 'sign', gen: awayFromZero(-3, 3), run: (tf, x) => tf.sign(x) },
  { op: 'floor', gen: avoiding(-3, 3, (v) => [Math.floor(v), Math.ceil(v)]), run: (tf, x) => tf.floor(x) },
  { op: 'exp', gen: uniform(-3, 3), run: (tf, x) => tf.exp(x) },
  { op: 'log', gen: uniform(0.1, 3), run: (tf, x) => tf.log(x) },
  { op: 'log1p', gen: uniform(-0.5, 3), run: (tf, x) => tf.log1p(x) },
  { op: 'sqrt', gen: uniform(0.1, 3), run: (tf, x) => tf.sqrt(x) },
  { op: 'rsqrt', gen: uniform(0.1, 3), run: (tf, x) => tf.rsqrt(x) },
  { op: 'square', gen: uniform(-3, 3), run: (tf, x) => tf.square(x) },
  { op: 'reciprocal', gen: magnitude(0.3, 3), run: (tf, x) => tf.reciprocal(x) },
  { op: 'sin', gen: uniform(-3, 3), run: (tf, x) => tf.sin(x) },
  { op: 'cos', gen: uniform(-3, 3), run: (tf, x) => tf.cos(x) },
  { op: 'tanh', gen: uniform(-3, 3), run: (tf, x) => tf.tanh(x) },
  { op: 'erf', gen: uniform(-2, 2), run: (tf, x) => tf.erf(x) },
  { op: 'sigmoid', gen: uniform(-6, 6), run: (tf, x) => tf.sigmoid(x) },
  { op: 'relu', gen: awayFromZero(-3, 3), run: (tf, x) => tf.relu(x) },
  { op: 'relu6', gen: avoiding(-2, 8, () => [0, 6]), run: (tf, x) => tf.relu6(x) },
  { op: 'elu', gen: awayFromZero(-3, 3), run: (tf, x) => tf.elu(x) },
  { op: 'selu', gen: awayFromZero(-3, 3), run: (tf, x) => tf.selu(x) },
  { op: 'softplus', gen: uniform(-6, 6), run: (tf, x) => tf.softplus(x) },
  { op: 'leakyRelu', params: { alpha: 0.2 }, gen: awayFromZero(-3, 3), run: (tf, x, p) => tf.leakyRelu(x, p.alpha) },
  {
    op: 'clip',
    params: { min: -0.5, max: 0.7 },
    gen: avoiding(-1.5, 1.5, () => [-0.5, 0.7]),
    run: (tf, x, p) => tf.clipByValue(x, p.min, p.max),
  },
];

/** int32 in, int32 out in both libraries. */
const UNARY_INT = ['neg', 'abs', 'sign', 'square'];

function unaryCases() {
  const cases = [];
  for (const u of UNARY) {
    const params = u.params ?? {};
    const run = (tf, [x], p) => u.run(tf, x, p);
    for (const shape of UNARY_SHAPES) cases.push({ op: u.op, params, inputs: [f32(shape, u.gen)], run });
    cases.push({ op: u.op, params: { ...params, transposeInput: 0 }, inputs: [T(f32(TRANSPOSED, u.gen))], run });
  }
  for (const op of UNARY_INT) {
    cases.push({ op, params: {}, tag: 'int32', inputs: [i32([3, 7], ints(-9, 10))], run: (tf, [x]) => tf[op](x) });
  }
  for (const op of ['isNaN', 'isFinite']) {
    for (const shape of [[], [3, 7], [2, 3, 5], [0, 3], [17]]) {
      cases.push({ op, params: {}, inputs: [f32(shape, specials)], run: (tf, [x]) => tf[op](x) });
    }
  }
  for (const shape of [[], [3, 7], [0, 3], [17]]) {
    cases.push({ op: 'logicalNot', params: {}, inputs: [bool(shape)], run: (tf, [x]) => tf.logicalNot(x) });
  }
  return cases;
}

/** Equal shapes, the spec's broadcasting pairs (both ways round for [2,3]&[3]), size 0. */
const BINARY_SHAPES = rows(`
  [3,7]    [3,7]
  []       []
  [17]     [17]
  [2,3,5]  [2,3,5]
  [2,3]    [3]
  [3]      [2,3]
  [2,1,3]  [4,3]
  [1,4]    [3,1]
  []       [2,3]
  [5,1,1]  [1,1,17]
  [0,3]    [3]
`);

const ARITH = [
  { op: 'add', gens: [uniform(-3, 3), uniform(-3, 3)] },
  { op: 'sub', gens: [uniform(-3, 3), uniform(-3, 3)] },
  { op: 'mul', gens: [uniform(-3, 3), uniform(-3, 3)] },
  { op: 'div', gens: [uniform(-3, 3), magnitude(0.5, 2)] },
  { op: 'pow', gens: [uniform(0.5, 2), uniform(-2, 2)] },
  { op: 'maximum', gens: [lattice(0), lattice(0.1)] },
  { op: 'minimum', gens: [lattice(0), lattice(0.1)] },
];

/** int32 arithmetic where both give int32 (div is true division in nabla, floor division in TF.js). */
const ARITH_INT = ['add', 'sub', 'mul', 'maximum', 'minimum'];

const COMPARE = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const COMPARE_SHAPES = rows(`
  [3,7]    [3,7]
  []       []
  [2,3]    [3]
  [1,4]    [3,1]
  [5,1,1]  [1,1,17]
  [0,3]    [3]
`);
const LOGICAL_SHAPES = rows(`
  [3,7]  [3,7]
  []     []
  [2,3]  [3]
  [1,4]  [3,1]
  [0,3]  [3]
`);

/** [cond, a, b] shapes for where: all three broadcast. */
const WHERE_SHAPES = rows(`
  [3,7]    [3,7]     [3,7]
  []       []        []
  [17]     [17]      [17]
  [2,3]    [3]       [2,3]
  [3]      [2,3]     []
  [1,4]    [3,1]     [3,4]
  [5,1,1]  [1,1,17]  [5,1,17]
  [0,3]    [0,3]     [3]
`);

function binaryCases() {
  const cases = [];
  const run =
    (op) =>
    (tf, [x, y]) =>
      tf[op](x, y);
  for (const { op, gens } of ARITH) {
    for (const [sa, sb] of BINARY_SHAPES) cases.push({ op, params: {}, inputs: [f32(sa, gens[0]), f32(sb, gens[1])], run: run(op) });
    cases.push({ op, params: { transposeInput: 0 }, inputs: [T(f32([6, 4], gens[0])), f32([4, 6], gens[1])], run: run(op) });
  }
  for (const op of ARITH_INT) {
    cases.push({ op, params: {}, tag: 'int32', inputs: [i32([3, 7], ints(-9, 10)), i32([7], ints(-9, 10))], run: run(op) });
  }
  for (const op of COMPARE) {
    for (const [sa, sb] of COMPARE_SHAPES) cases.push({ op, params: {}, inputs: [f32(sa, ties), f32(sb, ties)], run: run(op) });
    cases.push({ op, params: { transposeInput: 0 }, inputs: [T(f32([6, 4], ties)), f32([4, 6], ties)], run: run(op) });
  }
  for (const op of ['logicalAnd', 'logicalOr']) {
    for (const [sa, sb] of LOGICAL_SHAPES) cases.push({ op, params: {}, inputs: [bool(sa), bool(sb)], run: run(op) });
  }

  const where = (tf, [c, a, b]) => tf.where(c, a, b);
  const g = uniform(-3, 3);
  for (const [sc, sa, sb] of WHERE_SHAPES) cases.push({ op: 'where', params: {}, inputs: [bool(sc), f32(sa, g), f32(sb, g)], run: where });
  cases.push({ op: 'where', params: { transposeInput: 1 }, inputs: [bool([3, 7]), T(f32([7, 3], g)), f32([3, 7], g)], run: where });
  return cases;
}

function castCases() {
  const cases = [];
  const run = (tf, [x], p) => tf.cast(x, p.dtype);
  const input = {
    float32: (shape) => f32(shape, castValues),
    int32: (shape) => i32(shape, ints(-3, 4)),
    bool: (shape) => bool(shape),
  };
  for (const from of ['float32', 'int32', 'bool']) {
    for (const dtype of ['float32', 'int32', 'bool']) {
      for (const shape of [[3, 7], []])
        cases.push({ op: 'cast', params: { dtype }, tag: `from=${from}`, inputs: [input[from](shape)], run });
    }
  }
  cases.push({ op: 'cast', params: { dtype: 'int32' }, tag: 'from=float32', inputs: [input.float32([0, 3])], run });
  cases.push({
    op: 'cast',
    params: { dtype: 'float32', transposeInput: 0 },
    tag: 'from=float32',
    inputs: [T(input.float32(TRANSPOSED))],
    run,
  });
  return cases;
}

export function elementwiseCases() {
  return [...unaryCases(), ...binaryCases(), ...castCases()];
}
