import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import { runOptimizer as run } from '../test-utils/run-optimizer.js';
import { Adam, AdamW } from './adam.js';

/** Keras's Adam/AdamW written out per element in plain JS: the reference. */
function adamRef(
  w0: number[],
  gs: number[][],
  o: { lr: number; b1?: number; b2?: number; eps?: number; amsgrad?: boolean; wd?: number },
): { ws: number[][]; m: number[]; v: number[]; vhat: number[] } {
  const { lr, b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false, wd = 0 } = o;
  const w = [...w0];
  const m = w0.map(() => 0);
  const v = w0.map(() => 0);
  const vhat = w0.map(() => 0);
  const ws: number[][] = [];
  gs.forEach((g, s) => {
    const t = s + 1;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      w[i] -= lr * wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vhat[i] = Math.max(vhat[i], v[i]);
      w[i] -= (alpha * m[i]) / (Math.sqrt(amsgrad ? vhat[i] : v[i]) + eps);
    }
    ws.push([...w]);
  });
  return { ws, m, v, vhat };
}

const W0 = [1, 2];
const G1 = [0.5, -1];
const G2 = [-0.2, 3];
// Then a much smaller gradient: v falls below its running max, so amsgrad differs from Adam.
const G3 = [0.01, 0.01];

describe('Adam', () => {
  test('the bias-corrected step size is computed on the host, per step', () => {
    const opt = new Adam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99 });
    // alpha = lr sqrt(1 - b2^t) / (1 - b1^t), t = iterations + 1
    expect(opt.stepScalars(0)).toEqual({ lr: 0.01, alpha: (0.01 * Math.sqrt(1 - 0.99)) / (1 - 0.8) });
    expect(opt.stepScalars(9).alpha).toBeCloseTo((0.01 * Math.sqrt(1 - 0.99 ** 10)) / (1 - 0.8 ** 10), 15);
  });

  test('one step: w = w0 - lr sqrt(0.001) g / (sqrt(0.001)|g| + eps)', () => {
    const { ws, slots } = run(new Adam({ learningRate: 0.1 }), W0, [G1]);
    // m1 = 0.1 g; v1 = 0.001 g^2; alpha1 = lr sqrt(1 - 0.999) / (1 - 0.9) = lr sqrt(0.001) / 0.1;
    // alpha1 m1 / (sqrt(v1) + eps) = lr sqrt(0.001) g / (sqrt(0.001) |g| + 1e-7), just under lr in size.
    const s = Math.sqrt(0.001);
    const expected = W0.map((w, i) => w - (0.1 * s * G1[i]) / (s * Math.abs(G1[i]) + 1e-7));
    expectClose(ws[0], expected, 1e-12, 1e-12);
    expectClose(ws[0], [0.9, 2.1], 1e-4, 0); // about one lr step against the gradient's sign
    expectClose(slots.m, [0.05, -0.1], 1e-12, 1e-12); // 0.1 * g
    expectClose(slots.v, [0.00025, 0.001], 1e-12, 1e-12); // 0.001 * g^2
    expect(Object.keys(slots).sort()).toEqual(['m', 'v']);
  });

  test('two and three steps match the plain-JS reference', () => {
    const opt = { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-3 };
    const { ws, slots } = run(new Adam({ learningRate: opt.lr, beta1: opt.b1, beta2: opt.b2, epsilon: opt.eps }), W0, [G1, G2, G3]);
    const ref = adamRef(W0, [G1, G2, G3], opt);
    for (let t = 0; t < 3; t++) expectClose(ws[t], ref.ws[t], 1e-12, 1e-12);
    expectClose(slots.m, ref.m, 1e-12, 1e-12);
    expectClose(slots.v, ref.v, 1e-12, 1e-12);
  });

  test('amsgrad keeps vhat = max(vhat, v) and divides by its root', () => {
    const { ws, slots } = run(new Adam({ learningRate: 0.1, amsgrad: true }), W0, [G1, G2, G3]);
    const ref = adamRef(W0, [G1, G2, G3], { lr: 0.1, amsgrad: true });
    for (let t = 0; t < 3; t++) expectClose(ws[t], ref.ws[t], 1e-12, 1e-12);
    expectClose(slots.vhat, ref.vhat, 1e-12, 1e-12);
    // At step 3, v[0] = 0.999 v2[0] + 0.001 * 1e-4 is below vhat[0] = v2[0]: the branch matters.
    expect(ref.v[0]).toBeLessThan(ref.vhat[0]);
    const plain = adamRef(W0, [G1, G2, G3], { lr: 0.1 });
    expect(Math.abs(plain.ws[2][0] - ref.ws[2][0])).toBeGreaterThan(1e-6);
  });

  test('config and errors', () => {
    expect(new Adam().getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(() => new Adam({ beta1: 1 })).toThrow('Adam: beta1 must be in [0, 1), got 1');
    expect(() => new Adam({ beta2: -0.1 })).toThrow('Adam: beta2 must be in [0, 1), got -0.1');
    expect(() => new Adam({ epsilon: -1 })).toThrow('Adam: epsilon must be a number >= 0, got -1');
    expect(() => new Adam({ learningRate: -0.01 })).toThrow('Adam: learningRate must be a positive number or a schedule, got -0.01');
    expect(() => new AdamW({ weightDecay: -1 })).toThrow('AdamW: weightDecay must be a number >= 0, got -1');
    expect(() => new AdamW({ beta1: 2 })).toThrow('AdamW: beta1 must be in [0, 1), got 2');
  });
});

describe('AdamW', () => {
  test('decays w by lr * weightDecay * w, then takes the Adam step', () => {
    const { ws } = run(new AdamW({ learningRate: 0.1, weightDecay: 0.1 }), W0, [G1, G2]);
    // step 1: decayed w = w0 - 0.1*0.1*w0 = 0.99 w0 = [0.99, 1.98], then the Adam step of the first test.
    const s = Math.sqrt(0.001);
    const expected = W0.map((w, i) => 0.99 * w - (0.1 * s * G1[i]) / (s * Math.abs(G1[i]) + 1e-7));
    expectClose(ws[0], expected, 1e-12, 1e-12);
    const ref = adamRef(W0, [G1, G2], { lr: 0.1, wd: 0.1 });
    expectClose(ws[1], ref.ws[1], 1e-12, 1e-12);
  });

  test('weightDecay 0 is Adam; defaults follow Keras', () => {
    const a = run(new Adam({ learningRate: 0.1 }), W0, [G1, G2]);
    const b = run(new AdamW({ learningRate: 0.1, weightDecay: 0 }), W0, [G1, G2]);
    expectClose(b.ws[1], a.ws[1], 0, 0);
    const opt = new AdamW();
    expect(opt.className).toBe('AdamW');
    expect(opt.getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004 });
  });
});
