import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients, expectClose } from '../../core/src/test-utils/gradcheck.js';
import { getRegularizer, L1L2, l1, l1l2, l2, type Regularizer, serializeRegularizer } from './regularizers.js';

const W = [
  [0.5, -1.5],
  [2, -0.25],
];
// sum |w| = 0.5 + 1.5 + 2 + 0.25 = 4.25; sum w^2 = 0.25 + 2.25 + 4 + 0.0625 = 6.5625

describe('values', () => {
  test('l1, l2, l1l2 with default factors 0.01', async () => {
    const w = nb.tensor(W, undefined, 'float64');
    // 0.01 * 4.25
    expect(await l1().apply(w).item()).toBeCloseTo(0.0425, 14);
    // 0.01 * 6.5625
    expect(await l2().apply(w).item()).toBeCloseTo(0.065625, 14);
    // 0.0425 + 0.065625
    expect(await l1l2().apply(w).item()).toBeCloseTo(0.108125, 14);
  });

  test('given factors; a scalar of the weight dtype', async () => {
    const w = nb.tensor(W);
    const p = l1l2({ l1: 0.1, l2: 0.5 }).apply(w);
    expect(p.shape).toEqual([]);
    expect(p.dtype).toBe('float32');
    // 0.1 * 4.25 + 0.5 * 6.5625 = 0.425 + 3.28125
    expect(await p.item()).toBeCloseTo(3.70625, 5);
    // l1 = 0.2 only: 0.2 * 4.25
    expect(await l1({ l1: 0.2 }).apply(w).item()).toBeCloseTo(0.85, 6);
    // both factors zero: exactly 0
    const zero = l1l2({ l1: 0, l2: 0 }).apply(nb.tensor(W, undefined, 'float64'));
    expect(zero.dtype).toBe('float64');
    expect(await zero.item()).toBe(0);
  });

  test('only the penalty is left live', () => {
    const w = nb.tensor(W);
    const before = nb.memory().numTensors;
    const p = l1l2().apply(w);
    expect(nb.memory().numTensors).toBe(before + 1);
    p.dispose();
  });
});

describe('gradients', () => {
  // Away from 0, where |w| has no derivative.
  const x = [[0.7, -1.3, 0.2, -0.4, 1.9, -2.2]];
  const cases: [string, Regularizer][] = [
    ['l1', l1({ l1: 0.3 })],
    ['l2', l2({ l2: 0.7 })],
    ['l1l2', l1l2({ l1: 0.3, l2: 0.7 })],
  ];
  for (const [name, reg] of cases) {
    test(`${name}: finite differences`, () => {
      checkGradients((w) => reg.apply(w), x, { shapes: [[2, 3]] });
    });
  }

  test('l1l2: d/dw = l1 sign(w) + 2 l2 w', async () => {
    const w = nb.tensor([0.7, -1.3], undefined, 'float64');
    const g = nb.grad((v: nb.Tensor) => l1l2({ l1: 0.3, l2: 0.7 }).apply(v))(w);
    // 0.3 + 1.4 * 0.7 = 1.28; -0.3 + 1.4 * -1.3 = -2.12
    expectClose(await g.data(), [1.28, -2.12], 1e-12, 1e-12);
  });
});

describe('getRegularizer and serialization', () => {
  test('names and class names', () => {
    expect(getRegularizer('l1').getConfig()).toEqual({ l1: 0.01 });
    expect(getRegularizer('l2').getConfig()).toEqual({ l2: 0.01 });
    expect(getRegularizer('l1l2').getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(getRegularizer('l1_l2')).toBeInstanceOf(L1L2);
    expect(getRegularizer('L1L2').className).toBe('L1L2');
    const r = l2({ l2: 0.3 });
    expect(getRegularizer(r)).toBe(r);
  });

  test('round trip', async () => {
    const w = nb.tensor(W, undefined, 'float64');
    for (const r of [l1({ l1: 0.2 }), l2({ l2: 0.05 }), l1l2({ l1: 0.1, l2: 0 })]) {
      const s = serializeRegularizer(r);
      const back = getRegularizer(JSON.parse(JSON.stringify(s)));
      expect(back.className).toBe(r.className);
      expect(serializeRegularizer(back)).toEqual(s);
      expect(await back.apply(w).item()).toBe(await r.apply(w).item());
    }
    expect(serializeRegularizer(l1l2({ l1: 0.1, l2: 0.2 }))).toEqual({ className: 'L1L2', config: { l1: 0.1, l2: 0.2 } });
  });

  test('errors', () => {
    expect(() => l1({ l1: -0.1 })).toThrow(nb.NablaError);
    expect(() => l1({ l1: -0.1 })).toThrow('l1: l1 must be a non-negative finite number, got -0.1');
    expect(() => l2({ l2: Number.NaN })).toThrow('l2: l2 must be a non-negative finite number, got NaN');
    expect(() => l1l2({ l2: -1 })).toThrow('l1l2: l2 must be a non-negative finite number, got -1');
    expect(() => getRegularizer('l3')).toThrow("getRegularizer: unknown regularizer 'l3'; did you mean 'l1'? (known: l1, l2, l1l2, l1_l2)");
    expect(() => getRegularizer('ridge')).toThrow("getRegularizer: unknown regularizer 'ridge'; known: l1, l2, l1l2, l1_l2");
    expect(() => getRegularizer({ className: 'L1', config: { l2: 0.1 } })).toThrow(
      "getRegularizer: L1 config has unknown key 'l2'; expected l1",
    );
    expect(() => getRegularizer({ className: 'L2', config: { l2: 'big' } })).toThrow(
      'l2: l2 must be a non-negative finite number, got big',
    );
    expect(() => getRegularizer(3 as never)).toThrow('getRegularizer: expected a name, a Regularizer or { className, config }, got number');
    expect(() => l2().apply(nb.tensor([1, 2], undefined, 'int32'))).toThrow('l2: weight must be float32 or float64, got int32');
  });
});
