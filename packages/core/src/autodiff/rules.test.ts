import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { BINARY_OPS, PRIMITIVE_OPS, REDUCE_OPS, UNARY_OPS } from '../primitives.js';
import { checkGradients, values } from '../test-utils/gradcheck.js';
import { BINARY_RULES, boolResult, REDUCE_RULES, RULES, ruleFor, UNARY_RULES, zeroGradient } from './rules.js';

/** Where each unary function is smooth and its derivative is not zero (log, sqrt: x > 0; log1p: x > -1). */
const unaryInputs = (fn: string) => (fn === 'log' || fn === 'sqrt' || fn === 'log1p' ? values(6, 0.2, 2) : values(6, -1.5, 1.5));

describe('gradient rules cover every primitive and function', () => {
  test('every primitive, unary, binary and reduce function of primitives.ts has an entry', () => {
    for (const op of PRIMITIVE_OPS) expect(Object.hasOwn(RULES, op), op).toBe(true);
    for (const fn of UNARY_OPS) expect(Object.hasOwn(UNARY_RULES, fn), fn).toBe(true);
    for (const fn of BINARY_OPS) expect(Object.hasOwn(BINARY_RULES, fn), fn).toBe(true);
    for (const fn of REDUCE_OPS) expect(Object.hasOwn(REDUCE_RULES, fn), fn).toBe(true);
  });

  test.each(UNARY_OPS.filter((fn) => typeof UNARY_RULES[fn] === 'function'))('unary %s matches central differences', (fn) => {
    checkGradients((x) => (nb as unknown as Record<string, (x: nb.Tensor) => nb.Tensor>)[fn](x), [unaryInputs(fn)]);
  });

  test.each(BINARY_OPS.filter((fn) => typeof BINARY_RULES[fn] === 'function'))('binary %s matches central differences', (fn) => {
    const f = (nb as unknown as Record<string, (a: nb.Tensor, b: nb.Tensor) => nb.Tensor>)[fn];
    // Positive bases for pow; a [2,3] against a [3] operand, so the broadcast operand's cotangent is summed.
    checkGradients((a, b) => f(a, b), [values(6, 0.5, 2, 1), values(3, 0.5, 2, 2)], { shapes: [[2, 3], [3]] });
    // Both operands the same tensor (mul's square case).
    checkGradients((a) => f(a, a), [values(4, 0.5, 2, 3)]);
  });

  test.each(REDUCE_OPS)('reduce %s matches central differences', (fn) => {
    const reduce = { sum: nb.sum, max: nb.max, prod: nb.prod }[fn];
    checkGradients((x) => reduce(x, { axis: 1 }), [values(6, 0.5, 2, 4)], { shapes: [[2, 3]] });
  });

  test('floor and sign have zero gradient by definition (TensorFlow, JAX), even for a non-finite cotangent', async () => {
    expect(UNARY_RULES.floor).toBe(zeroGradient);
    expect(UNARY_RULES.sign).toBe(zeroGradient);
    for (const f of [nb.floor, nb.sign]) {
      const { grads } = nb.vjp((x: nb.Tensor) => f(x), nb.tensor([-1.5, 0.5, 2]), nb.tensor([1, Number.POSITIVE_INFINITY, 2]));
      expect(Array.from(await grads.data())).toEqual([0, 0, 0]);
    }
  });

  test('bool results are marked, and asking them for a gradient is an error naming the function', () => {
    for (const fn of ['logicalNot', 'isNaN', 'isFinite'] as const) expect(UNARY_RULES[fn]).toBe(boolResult);
    for (const fn of ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr'] as const) {
      expect(BINARY_RULES[fn]).toBe(boolResult);
    }
    const x = nb.tensor([1, 2]);
    const y = nb.isNaN(x);
    expect(() => RULES.unary(x, [x], y, { fn: 'isNaN' })).toThrow(nb.NablaError);
    expect(() => RULES.unary(x, [x], y, { fn: 'isNaN' })).toThrow("unary 'isNaN' returns bool");
    expect(() => RULES.binary(x, [x, x], y, { fn: 'less' })).toThrow("binary 'less' returns bool");
    expect(() => RULES.argMax(x, [x], y, { axis: 0 })).toThrow('argMax has no gradient');
  });

  test('a function or primitive with no rule is an error naming it, never a zero gradient', () => {
    const x = nb.tensor([1, 2]);
    expect(() => RULES.unary(x, [x], x, { fn: 'cbrt' as never })).toThrow("grad: no gradient rule for unary function 'cbrt'");
    expect(() => RULES.binary(x, [x, x], x, { fn: 'atan2' as never })).toThrow("grad: no gradient rule for binary function 'atan2'");
    expect(() => RULES.reduce(x, [x], x, { fn: 'min' as never, axes: [0] })).toThrow("grad: no gradient rule for reduce function 'min'");
    // Inherited Object properties are not rules.
    expect(() => RULES.unary(x, [x], x, { fn: 'toString' as never })).toThrow("no gradient rule for unary function 'toString'");
    expect(() => ruleFor('conv2d' as never)).toThrow("grad: no gradient rule for primitive 'conv2d'");
  });
});
