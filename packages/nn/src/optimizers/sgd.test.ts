import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import { runOptimizer as run } from '../test-utils/run-optimizer.js';
import { SGD } from './sgd.js';

const W0 = [1, 2];
const G1 = [0.5, -1];
const G2 = [1, 2];

describe('SGD', () => {
  test('plain: w = w - lr g, no slots', () => {
    const opt = new SGD({ learningRate: 0.1 });
    expect(opt.initSlots({ w: nb.zeros([2], 'float64') })).toEqual({ w: {} });
    const { ws, slots } = run(opt, W0, [G1, G2]);
    // step 1: [1 - 0.1*0.5, 2 - 0.1*(-1)] = [0.95, 2.1]
    expectClose(ws[0], [0.95, 2.1], 1e-12, 1e-12);
    // step 2: [0.95 - 0.1*1, 2.1 - 0.1*2] = [0.85, 1.9]
    expectClose(ws[1], [0.85, 1.9], 1e-12, 1e-12);
    expect(slots).toEqual({});
  });

  test('momentum: v = m v - lr g; w = w + v', () => {
    const { ws, slots } = run(new SGD({ learningRate: 0.1, momentum: 0.9 }), W0, [G1, G2]);
    // v1 = 0.9*0 - 0.1*[0.5, -1] = [-0.05, 0.1]; w1 = [0.95, 2.1]
    expectClose(ws[0], [0.95, 2.1], 1e-12, 1e-12);
    // v2 = 0.9*[-0.05, 0.1] - 0.1*[1, 2] = [-0.145, -0.11]; w2 = [0.95 - 0.145, 2.1 - 0.11] = [0.805, 1.99]
    expectClose(ws[1], [0.805, 1.99], 1e-12, 1e-12);
    expectClose(slots.momentum, [-0.145, -0.11], 1e-12, 1e-12);
  });

  test('nesterov: w = w + m v_new - lr g', () => {
    const { ws, slots } = run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), W0, [G1, G2]);
    // v1 = [-0.05, 0.1]; w1 = [1 + 0.9*(-0.05) - 0.05, 2 + 0.9*0.1 + 0.1] = [0.905, 2.19]
    expectClose(ws[0], [0.905, 2.19], 1e-12, 1e-12);
    // v2 = [-0.145, -0.11]; w2 = [0.905 - 0.1305 - 0.1, 2.19 - 0.099 - 0.2] = [0.6745, 1.891]
    expectClose(ws[1], [0.6745, 1.891], 1e-12, 1e-12);
    expectClose(slots.momentum, [-0.145, -0.11], 1e-12, 1e-12);
  });

  test('float32 parameters stay float32', async () => {
    const opt = new SGD({ learningRate: 0.5, momentum: 0.5 });
    const w = nb.tensor([1, -1]);
    const r = opt.apply({ w }, { w: nb.tensor([2, 2]) }, opt.initSlots({ w }), opt.stepTensors(0));
    expect(r.params.w.dtype).toBe('float32');
    expect(r.slots.w.momentum.dtype).toBe('float32');
    // w = [1 - 0.5*2, -1 - 0.5*2] = [0, -2]
    expectClose(await r.params.w.data(), [0, -2], 0, 0);
  });

  test('config, defaults and errors', () => {
    expect(new SGD().getConfig()).toEqual({ learningRate: 0.01, momentum: 0, nesterov: false });
    expect(() => new SGD({ momentum: -0.5 })).toThrow('SGD: momentum must be a number >= 0, got -0.5');
    expect(() => new SGD({ learningRate: 0 })).toThrow('SGD: learningRate must be a positive number or a schedule, got 0');
    expect(() => new SGD({ learningRate: Number.NaN })).toThrow('SGD: learningRate must be a positive number or a schedule, got NaN');
    expect(() => new SGD({ nesterov: 'yes' as never })).toThrow("SGD: nesterov must be a boolean, got 'yes'");
    expect(() => new SGD({ clipNorm: 0 })).toThrow('SGD: clipNorm must be a positive number, got 0');
  });
});
