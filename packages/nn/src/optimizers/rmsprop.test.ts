import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import { runOptimizer as run } from '../test-utils/run-optimizer.js';
import { RMSprop } from './rmsprop.js';

/** Keras's RMSprop written out per element in plain JS: the reference. */
function rmspropRef(
  w0: number[],
  gs: number[][],
  o: { lr: number; rho?: number; momentum?: number; eps?: number; centered?: boolean },
): { ws: number[][]; velocity: number[]; momentum: number[]; averageGradient: number[] } {
  const { lr, rho = 0.9, momentum = 0, eps = 1e-7, centered = false } = o;
  const w = [...w0];
  const velocity = w0.map(() => 0);
  const mom = w0.map(() => 0);
  const avg = w0.map(() => 0);
  const ws: number[][] = [];
  for (const g of gs) {
    for (let i = 0; i < w.length; i++) {
      velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i];
      avg[i] = rho * avg[i] + (1 - rho) * g[i];
      const denominator = centered ? velocity[i] - avg[i] * avg[i] + eps : velocity[i] + eps;
      const increment = (lr * g[i]) / Math.sqrt(denominator);
      mom[i] = momentum * mom[i] + increment;
      w[i] -= momentum > 0 ? mom[i] : increment;
    }
    ws.push([...w]);
  }
  return { ws, velocity, momentum: mom, averageGradient: avg };
}

const W0 = [1, 2];
const G1 = [0.5, -1];
const G2 = [-0.2, 3];

describe('RMSprop', () => {
  test('one step: w = w0 - lr g / sqrt(0.1 g^2 + eps)', () => {
    const { ws, slots } = run(new RMSprop({ learningRate: 0.1 }), W0, [G1]);
    // v1 = 0.9*0 + 0.1*g^2 = [0.025, 0.1];
    // w1 = [1 - 0.1*0.5/sqrt(0.025 + 1e-7), 2 + 0.1*1/sqrt(0.1 + 1e-7)] ~ [0.68377, 2.31623]
    expectClose(ws[0], [1 - 0.05 / Math.sqrt(0.025 + 1e-7), 2 + 0.1 / Math.sqrt(0.1 + 1e-7)], 1e-12, 1e-12);
    expectClose(ws[0], [0.68377, 2.31623], 1e-5, 0);
    expectClose(slots.velocity, [0.025, 0.1], 1e-12, 1e-12);
    expect(Object.keys(slots)).toEqual(['velocity']);
  });

  test('two steps match the plain-JS reference', () => {
    const { ws, slots } = run(new RMSprop({ learningRate: 0.05, rho: 0.8, epsilon: 1e-3 }), W0, [G1, G2]);
    const ref = rmspropRef(W0, [G1, G2], { lr: 0.05, rho: 0.8, eps: 1e-3 });
    expectClose(ws[0], ref.ws[0], 1e-12, 1e-12);
    expectClose(ws[1], ref.ws[1], 1e-12, 1e-12);
    expectClose(slots.velocity, ref.velocity, 1e-12, 1e-12);
  });

  test('momentum: mom = momentum mom + increment; w = w - mom', () => {
    const { ws, slots } = run(new RMSprop({ learningRate: 0.1, momentum: 0.5 }), W0, [G1, G2]);
    const ref = rmspropRef(W0, [G1, G2], { lr: 0.1, momentum: 0.5 });
    // Step 1 equals plain RMSprop (mom starts at 0); step 2 adds half of step 1's increment.
    expectClose(ws[0], [1 - 0.05 / Math.sqrt(0.025 + 1e-7), 2 + 0.1 / Math.sqrt(0.1 + 1e-7)], 1e-12, 1e-12);
    expectClose(ws[1], ref.ws[1], 1e-12, 1e-12);
    expectClose(slots.momentum, ref.momentum, 1e-12, 1e-12);
    const plain = rmspropRef(W0, [G1, G2], { lr: 0.1 });
    expect(Math.abs(plain.ws[1][0] - ws[1][0])).toBeGreaterThan(1e-3);
  });

  test('centered: denominator v - a^2 + eps with a the running mean gradient', () => {
    const { ws, slots } = run(new RMSprop({ learningRate: 0.1, centered: true }), W0, [G1, G2]);
    // step 1: a1 = 0.1 g; v1 - a1^2 = 0.1 g^2 - 0.01 g^2 = 0.09 g^2; w1 = w0 - 0.1 g / sqrt(0.09 g^2 + 1e-7)
    expectClose(ws[0], [1 - 0.05 / Math.sqrt(0.0225 + 1e-7), 2 + 0.1 / Math.sqrt(0.09 + 1e-7)], 1e-12, 1e-12);
    const ref = rmspropRef(W0, [G1, G2], { lr: 0.1, centered: true });
    expectClose(ws[1], ref.ws[1], 1e-12, 1e-12);
    expectClose(slots.averageGradient, ref.averageGradient, 1e-12, 1e-12);
    expect(Object.keys(slots).sort()).toEqual(['averageGradient', 'velocity']);
  });

  test('config and errors', () => {
    expect(new RMSprop().getConfig()).toEqual({ learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(() => new RMSprop({ rho: 1 })).toThrow('RMSprop: rho must be in [0, 1), got 1');
    expect(() => new RMSprop({ momentum: -1 })).toThrow('RMSprop: momentum must be a number >= 0, got -1');
    expect(() => new RMSprop({ epsilon: -1e-7 })).toThrow('RMSprop: epsilon must be a number >= 0, got -1e-7');
  });
});
