import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import { runOptimizer as run } from '../test-utils/run-optimizer.js';
import { Adagrad } from './adagrad.js';

const W0 = [1, 2];
const G1 = [0.5, -1];
const G2 = [-0.2, 3];

describe('Adagrad', () => {
  test('slots start at initialAccumulatorValue', async () => {
    const { w } = new Adagrad({ initialAccumulatorValue: 0.25 }).initSlots({ w: nb.zeros([2, 2], 'float64') });
    expect(w.accumulator.dtype).toBe('float64');
    expect(w.accumulator.shape).toEqual([2, 2]);
    expectClose(await w.accumulator.data(), [0.25, 0.25, 0.25, 0.25], 0, 0);
  });

  test('one and two steps: acc = acc + g^2; w = w - lr g / sqrt(acc + eps)', () => {
    const { ws, slots } = run(new Adagrad({ learningRate: 0.1 }), W0, [G1, G2]);
    // step 1: acc = 0.1 + [0.25, 1] = [0.35, 1.1]; w1 = [1 - 0.05/sqrt(0.35 + 1e-7), 2 + 0.1/sqrt(1.1 + 1e-7)]
    const w1 = [1 - 0.05 / Math.sqrt(0.35 + 1e-7), 2 + 0.1 / Math.sqrt(1.1 + 1e-7)];
    expectClose(ws[0], w1, 1e-12, 1e-12);
    expectClose(ws[0], [0.91548, 2.09535], 1e-5, 0);
    // step 2: acc = [0.35 + 0.04, 1.1 + 9] = [0.39, 10.1]; w2 = [w1 + 0.02/sqrt(0.39 + 1e-7), w1 - 0.3/sqrt(10.1 + 1e-7)]
    expectClose(ws[1], [w1[0] + 0.02 / Math.sqrt(0.39 + 1e-7), w1[1] - 0.3 / Math.sqrt(10.1 + 1e-7)], 1e-12, 1e-12);
    expectClose(slots.accumulator, [0.39, 10.1], 1e-12, 1e-12);
  });

  test('epsilon is inside the square root', () => {
    const { ws } = run(new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0, epsilon: 0.75 }), [0], [[0.5]]);
    // acc = 0.25; w = 0 - 0.1*0.5/sqrt(0.25 + 0.75) = -0.05
    expectClose(ws[0], [-0.05], 1e-12, 1e-12);
  });

  test('config and errors', () => {
    expect(new Adagrad().getConfig()).toEqual({ learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
    expect(() => new Adagrad({ initialAccumulatorValue: -0.1 })).toThrow(
      'Adagrad: initialAccumulatorValue must be a number >= 0, got -0.1',
    );
    expect(() => new Adagrad({ epsilon: Number.POSITIVE_INFINITY })).toThrow('Adagrad: epsilon must be a number >= 0, got Infinity');
  });
});
