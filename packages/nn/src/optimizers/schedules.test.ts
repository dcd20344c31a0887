import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import type { LearningRateSchedule } from './optimizer.js';
import { cosineDecay, exponentialDecay, inverseTimeDecay, piecewiseConstantDecay, scheduleFromConfig } from './schedules.js';

const at = (s: LearningRateSchedule, its: number[]) => its.map((i) => s(i));

describe('schedules', () => {
  test('exponentialDecay: lr0 * rate^(it / steps), floored exponent with staircase', () => {
    const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    // 0.1 * 0.5^0, 0.1 * 0.5^0.5 = 0.0707106781, 0.1 * 0.5^1, 0.1 * 0.5^2.5 = 0.0176776695
    expectClose(at(s, [0, 5, 10, 25]), [0.1, 0.07071067811865475, 0.05, 0.017677669529663688], 1e-14, 0);
    const st = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    // floor(5/10) = 0, floor(19/10) = 1, floor(25/10) = 2
    expectClose(at(st, [5, 19, 25]), [0.1, 0.05, 0.025], 1e-14, 0);
    expect(s.className).toBe('ExponentialDecay');
  });

  test('piecewiseConstantDecay: values[i] up to and including boundaries[i]', () => {
    const s = piecewiseConstantDecay({ boundaries: [100, 200], values: [1, 0.5, 0.1] });
    expect(at(s, [0, 100, 101, 200, 201, 10_000])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  test('inverseTimeDecay: lr0 / (1 + rate * it / steps)', () => {
    const s = inverseTimeDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 });
    // 1/(1 + 0), 1/(1 + 0.5*1.5) = 1/1.75, 1/(1 + 0.5*2) = 0.5
    expectClose(at(s, [0, 15, 20]), [1, 1 / 1.75, 0.5], 1e-15, 0);
    const st = inverseTimeDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true });
    // floor(15/10) = 1: 1/(1 + 0.5) = 2/3
    expectClose(at(st, [9, 15]), [1, 2 / 3], 1e-15, 0);
  });

  test('cosineDecay: from lr0 down to alpha * lr0, then constant', () => {
    const s = cosineDecay({ initialLearningRate: 2, decaySteps: 100, alpha: 0.1 });
    // 2 * (0.9 * 0.5 * (1 + cos(pi * t)) + 0.1) for t = 0, 0.25, 0.5, 1, 1 (clamped):
    // 2 * 1, 2 * (0.45 * 1.7071067812 + 0.1) = 1.7363961031, 2 * 0.55, 2 * 0.1, 2 * 0.1
    expectClose(at(s, [0, 25, 50, 100, 300]), [2, 1.736396103067893, 1.1, 0.2, 0.2], 1e-14, 0);
    expect(cosineDecay({ initialLearningRate: 1, decaySteps: 10 })(10)).toBeCloseTo(0, 15);
  });

  test('getConfig round trips through scheduleFromConfig and returns a copy', () => {
    const schedules = [
      exponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9, staircase: true }),
      piecewiseConstantDecay({ boundaries: [3, 8], values: [0.3, 0.2, 0.1] }),
      inverseTimeDecay({ initialLearningRate: 0.5, decaySteps: 4, decayRate: 2 }),
      cosineDecay({ initialLearningRate: 0.01, decaySteps: 20, alpha: 0.05 }),
    ];
    for (const s of schedules) {
      const config = s.getConfig!();
      const copy = scheduleFromConfig({ className: s.className!, config });
      expect(copy.className).toBe(s.className);
      expect(copy.getConfig!()).toEqual(config);
      expect(at(copy, [0, 5, 9, 30])).toEqual(at(s, [0, 5, 9, 30]));
    }
    const p = schedules[1];
    (p.getConfig!().values as number[])[0] = 99;
    expect(p(0)).toBe(0.3);
  });

  test('errors', () => {
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(
      'exponentialDecay: decaySteps must be a positive number, got 0',
    );
    expect(() => exponentialDecay({ initialLearningRate: -1, decaySteps: 1, decayRate: 0.5 })).toThrow(
      'exponentialDecay: initialLearningRate must be a positive number, got -1',
    );
    expect(() => inverseTimeDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: -2 })).toThrow(
      'inverseTimeDecay: decayRate must be a number >= 0, got -2',
    );
    expect(() => piecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] })).toThrow(
      'piecewiseConstantDecay: values must have one more element than boundaries, got 2 values and 2 boundaries',
    );
    expect(() => piecewiseConstantDecay({ boundaries: [5, 2], values: [1, 2, 3] })).toThrow(
      'piecewiseConstantDecay: boundaries must be increasing, got [5,2]',
    );
    expect(() => cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 2 })).toThrow('cosineDecay: alpha must be in [0, 1], got 2');
    expect(() => scheduleFromConfig({ className: 'Linear', config: {} })).toThrow(
      "scheduleFromConfig: unknown schedule 'Linear'; known: ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay, CosineDecay",
    );
    expect(() => scheduleFromConfig({ className: 'CosineDecay', config: { decaySteps: 3 } })).toThrow(
      'cosineDecay: initialLearningRate must be a positive number, got undefined',
    );
    expect(() => piecewiseConstantDecay({ boundaries: [1], values: [1, Number.NaN] })).toThrow(nb.NablaError);
  });
});
