import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import './index.js';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * Every primitive, and every unary, binary and reduce function, on every backend. The cases are
 * enumerated from core's lists (PRIMITIVE_OPS, UNARY_OPS, BINARY_OPS, REDUCE_OPS), so a function
 * added to core is covered without touching this file (its public op must share its name), and
 * the table of the other primitives is a record over them, so a new primitive fails to compile
 * here until it has a case. For each case and backend:
 * - the graph really contains the primitive (and function) under test;
 * - it runs, and the ONNX backends agree with cpu, in float32 and float64;
 * - where the result is float, its gradient (float64, on that backend) matches central differences
 *   computed on cpu: a missing rule would throw or give zeros where the derivative is not zero.
 */

const BACKENDS = ['cpu', 'onnx', 'onnx-wasm'] as const;
type FloatType = 'float32' | 'float64';
type Operand = { values: number[]; shape: number[]; dtype: 'float' | 'int32' | 'bool' };
interface Case {
  /** The primitive the graph must contain, as `op` or `op:fn`. */
  primitive: string;
  operands: Operand[];
  f: (...xs: nb.Tensor[]) => nb.Tensor;
  /** Step and tolerance of the gradient check where the defaults do not fit. */
  grad?: { h: number; rtol: number };
}

const float = (values: number[], shape = [values.length]): Operand => ({ values, shape, dtype: 'float' });
const int32 = (values: number[], shape = [values.length]): Operand => ({ values, shape, dtype: 'int32' });
const bool = (values: number[], shape = [values.length]): Operand => ({ values, shape, dtype: 'bool' });

/** Public ops by name: every function of a primitive family is also a public op of the same name. */
const publicOp = (name: string) => {
  const f = (nb as unknown as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`no public nb.${name} for the function '${name}' of primitives.ts`);
  return f as (...xs: nb.Tensor[]) => nb.Tensor;
};

/** Operands per unary function: inside its domain, off its kinks and jumps; NaN and infinities where it tests for them. */
function unaryOperand(fn: nb.UnaryOp): Operand {
  if (fn === 'logicalNot') return bool([1, 0, 0, 1]);
  if (fn === 'isNaN' || fn === 'isFinite') return float([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5, 0]);
  if (fn === 'log' || fn === 'sqrt' || fn === 'log1p') return float([0.3, 1.2, 2.5, 4], [2, 2]);
  return float([-1.7, -0.3, 0.4, 2.2], [2, 2]);
}

/** Operands per binary function: [2,3] against [3], so broadcasting is exercised; ties only where they matter (comparisons). */
function binaryOperands(fn: nb.BinaryOp): Operand[] {
  if (fn === 'logicalAnd' || fn === 'logicalOr') return [bool([1, 0, 1, 0, 0, 1], [2, 3]), bool([1, 1, 0])];
  const comparison = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'].includes(fn);
  if (comparison) return [float([0.5, -1, 2, 1.25, 3, -2], [2, 3]), float([0.5, 3, -2])];
  if (fn === 'pow') return [float([0.5, 1.5, 2, 0.8, 1.1, 3], [2, 3]), float([1.5, -0.5, 2])];
  return [float([0.5, -1.2, 2, 1.3, 3, -2.1], [2, 3]), float([0.7, 1.9, -0.4])];
}

const REDUCERS: Record<nb.ReduceOp, (x: nb.Tensor) => nb.Tensor> = {
  sum: (x) => nb.sum(x, { axis: 1, keepDims: true }),
  max: (x) => nb.max(x, { axis: 1, keepDims: true }),
  prod: (x) => nb.prod(x, { axis: 1, keepDims: true }),
};

const x23 = float([0.5, -1.2, 2, 1.3, 3, -2.1], [2, 3]);

/** The primitives without a family of functions: a record over all of them, so a new one fails to compile without a case. */
const OTHERS: Record<Exclude<nb.PrimitiveOp, 'unary' | 'binary' | 'reduce'>, Case[]> = {
  where: [{ primitive: 'where', operands: [bool([1, 0, 1]), x23, float([7, 8, 9])], f: (c, a, b) => nb.where(c, a, b) }],
  cast: [
    // Between floats (float32 <-> float64): the gradient passes through, rounded to float32 one way.
    {
      primitive: 'cast',
      operands: [x23],
      f: (x) => nb.cast(x, x.dtype === 'float32' ? 'float64' : 'float32'),
      grad: { h: 1e-2, rtol: 1e-4 },
    },
    { primitive: 'cast', operands: [float([1.7, -2.5, 0, 3.2])], f: (x) => nb.cast(x, 'int32') },
    { primitive: 'cast', operands: [float([1.5, 0, -0, -2])], f: (x) => nb.cast(x, 'bool') },
    { primitive: 'cast', operands: [int32([3, -4, 0])], f: (x) => nb.cast(x, 'float32') },
    { primitive: 'cast', operands: [bool([1, 0, 1])], f: (x) => nb.cast(x, 'int32') },
  ],
  argMax: [{ primitive: 'argMax', operands: [x23], f: (x) => nb.argMax(x, 1) }],
  matmul: [
    { primitive: 'matmul', operands: [x23, float([1, 2, -1, 0.5, 0.3, -2, 1, 1], [2, 4])], f: (a, b) => nb.matmul(a, b, true, false) },
    {
      primitive: 'matmul',
      operands: [float([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]), float([1, -1, 2, 0.5, 3, -2, 1, 0, 0.25, 2, -1, 1], [2, 3, 2])],
      f: (a, b) => nb.matmul(a, b),
    },
  ],
  reshape: [{ primitive: 'reshape', operands: [x23], f: (x) => nb.mul(nb.reshape(x, [3, 2]), float1(x, [1, 2])) }],
  transpose: [{ primitive: 'transpose', operands: [x23], f: (x) => nb.transpose(x, [1, 0]) }],
  expand: [{ primitive: 'expand', operands: [float([1.5, -2, 0.5], [1, 3])], f: (x) => nb.broadcastTo(x, [2, 3]) }],
  slice: [{ primitive: 'slice', operands: [x23], f: (x) => nb.slice(x, [0, 1], [2, 2]) }],
  pad: [
    {
      primitive: 'pad',
      operands: [x23],
      f: (x) =>
        nb.pad(
          x,
          [
            [1, 0],
            [0, 2],
          ],
          0.5,
        ),
    },
  ],
  concat: [{ primitive: 'concat', operands: [x23, float([4, 5], [2, 1])], f: (a, b) => nb.concat([a, b], 1) }],
  gather: [{ primitive: 'gather', operands: [x23, int32([2, 0, 2, 1])], f: (x, i) => nb.gather(x, i, 1) }],
  // gather's gradient is scatterAdd: repeated indices add up.
  scatterAdd: [
    {
      primitive: 'scatterAdd',
      operands: [x23, int32([2, 0, 2, 1])],
      f: (x, i) => nb.vjp((t: nb.Tensor) => nb.gather(t, i, 1), x, nb.mul(nb.gather(x, i, 1), 2)).grads,
    },
  ],
  random: [{ primitive: 'random', operands: [], f: () => nb.randomUniform([7], { seed: 11 }) }],
};

/** A constant of x's dtype, so a case stays in the dtype under test. */
function float1(x: nb.Tensor, values: number[]): nb.Tensor {
  return nb.tensor(values, [values.length], x.dtype);
}

const CASES: [string, Case][] = [
  ...nb.UNARY_OPS.map((fn): [string, Case] => [`unary ${fn}`, { primitive: `unary:${fn}`, operands: [unaryOperand(fn)], f: publicOp(fn) }]),
  ...nb.BINARY_OPS.map((fn): [string, Case] => [
    `binary ${fn}`,
    { primitive: `binary:${fn}`, operands: binaryOperands(fn), f: publicOp(fn) },
  ]),
  ...nb.REDUCE_OPS.map((fn): [string, Case] => [`reduce ${fn}`, { primitive: `reduce:${fn}`, operands: [x23], f: REDUCERS[fn] }]),
  ...Object.entries(OTHERS).flatMap(([op, cases]) =>
    cases.map((c, i): [string, Case] => [`${op}${cases.length > 1 ? ` #${i + 1}` : ''}`, c]),
  ),
];

/** The primitives (as `op` and `op:fn`) in the unrealized graph behind t. */
function primitivesBehind(t: nb.Tensor): Set<string> {
  const found = new Set<string>();
  const seen = new Set<nb.Tensor>();
  const stack = [t];
  while (stack.length > 0) {
    const u = stack.pop() as nb.Tensor;
    if (seen.has(u)) continue;
    seen.add(u);
    found.add(u.op);
    const fn = (u.attrs as { fn?: string } | null)?.fn;
    if (fn) found.add(`${u.op}:${fn}`);
    stack.push(...(u.inputs ?? []));
  }
  return found;
}

function operandTensors(c: Case, dtype: FloatType): nb.Tensor[] {
  return c.operands.map((o) => nb.tensor(o.values, o.shape, o.dtype === 'float' ? dtype : o.dtype));
}

async function evaluate(backend: string, c: Case, dtype: FloatType): Promise<{ dtype: nb.DType; shape: number[]; data: number[] }> {
  nb.setBackend(backend);
  const y = c.f(...operandTensors(c, dtype));
  expect(primitivesBehind(y).has(c.primitive), `the graph contains ${c.primitive}`).toBe(true);
  return { dtype: y.dtype, shape: [...y.shape], data: Array.from(await y.data()) };
}

/** Equal within the dtype's rounding: float32 math functions may differ by an ulp or so between runtimes. */
function expectAgree(actual: number[], expected: number[], dtype: nb.DType, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const [rtol, atol] = dtype === 'float32' ? [1e-5, 1e-6] : dtype === 'float64' ? [1e-12, 1e-14] : [0, 0];
  expected.forEach((e, i) => {
    const a = actual[i];
    if (Number.isNaN(e) || Number.isNaN(a)) expect(Number.isNaN(a) && Number.isNaN(e), `${what} at ${i}: ${a} vs ${e}`).toBe(true);
    else if (a !== e) expect(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what} at ${i}: ${a} vs ${e}`).toBe(true);
  });
}

/** sum(cast(f(xs), float64) * w): one scalar covering every output element. */
function projected(c: Case, w: nb.Tensor) {
  return (xs: nb.Tensor[]) => nb.sum(nb.mul(nb.cast(c.f(...xs), 'float64'), w));
}

/** The gradient of the projected case with respect to its float operands, in float64 on `backend`. */
async function analyticGradient(backend: string, c: Case, w: nb.Tensor): Promise<number[][]> {
  nb.setBackend(backend);
  const xs = operandTensors(c, 'float64');
  const wrt = c.operands.flatMap((o, i) => (o.dtype === 'float' ? [i] : []));
  const project = projected(c, nb.tensor(w.dataSync(), w.shape, 'float64'));
  const grads = nb.grad((ts: nb.Tensor[]) => project(xs.map((x, i) => (wrt.includes(i) ? ts[wrt.indexOf(i)] : x))))(wrt.map((i) => xs[i]));
  return Promise.all(grads.map(async (g) => Array.from(await g.data())));
}

/** Central differences on cpu in float64. */
function numericGradient(c: Case, w: nb.Tensor, h: number): number[][] {
  nb.setBackend('cpu');
  const project = projected(c, w);
  const base = operandTensors(c, 'float64');
  return c.operands.flatMap((o, k) => {
    if (o.dtype !== 'float') return [];
    return [
      o.values.map((_, i) => {
        const at = (delta: number) => {
          const values = [...o.values];
          values[i] += delta;
          const xs = base.map((x, j) => (j === k ? nb.tensor(values, o.shape, 'float64') : x));
          return project(xs).itemSync() as number;
        };
        return (at(h) - at(-h)) / (2 * h);
      }),
    ];
  });
}

/** Where the derivative is zero by definition (piecewise constant), so a zero gradient is the right one. */
const ZERO_DERIVATIVE = new Set(['unary:floor', 'unary:sign']);

afterAll(() => nb.setBackend('cpu'));

describe('every primitive and function on every backend', () => {
  test('the cases cover every primitive of primitives.ts', () => {
    const covered = new Set(CASES.map(([, c]) => c.primitive.split(':')[0]));
    for (const op of nb.PRIMITIVE_OPS) expect(covered.has(op), op).toBe(true);
  });

  describe.each(CASES)('%s', (_, c) => {
    test.each(['float32', 'float64'] as const)('runs on every backend, which agree with cpu (%s)', async (dtype) => {
      const expected = await evaluate('cpu', c, dtype);
      for (const backend of BACKENDS.slice(1)) {
        const got = await evaluate(backend, c, dtype);
        expect([got.dtype, got.shape], backend).toEqual([expected.dtype, expected.shape]);
        expectAgree(got.data, expected.data, got.dtype, backend);
      }
    });

    test('its gradient matches central differences on every backend, or its result is not float', async () => {
      nb.setBackend('cpu');
      const y = c.f(...operandTensors(c, 'float64'));
      const differentiable = nb.isFloat(y.dtype) && c.operands.some((o) => o.dtype === 'float');
      if (!differentiable) {
        expect(['bool', 'int32'].includes(y.dtype) || c.operands.every((o) => o.dtype !== 'float'), 'no float path').toBe(true);
        return;
      }
      // A cotangent with distinct entries, so that every output element counts differently.
      const w = nb.tensor(
        Array.from({ length: y.size }, (_, i) => 0.5 + ((i * 7) % 5) / 4),
        y.shape,
        'float64',
      );
      const { h, rtol } = c.grad ?? { h: 1e-6, rtol: 1e-5 };
      const numeric = numericGradient(c, w, h);
      const nonZero = numeric.some((g) => g.some((v) => Math.abs(v) > 1e-3));
      expect(nonZero, 'the test point has a non-zero derivative').toBe(!ZERO_DERIVATIVE.has(c.primitive));
      for (const backend of BACKENDS) {
        const analytic = await analyticGradient(backend, c, w);
        for (const [k, g] of analytic.entries()) {
          for (const [i, a] of g.entries()) {
            const n = numeric[k][i];
            const close = Math.abs(a - n) <= 1e-7 + rtol * Math.abs(n);
            expect(close, `${backend}: operand ${k} at ${i}: analytic ${a}, numeric ${n}`).toBe(true);
          }
        }
      }
    });
  });
});
