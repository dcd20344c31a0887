import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../core/src/test-utils/gradcheck.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { FLAT_SLOT_LIMIT, type Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { exponentialDecay } from './schedules.js';
import { SGD } from './sgd.js';

const f64 = (v: number[]) => nb.tensor(v, [v.length], 'float64');
const one = nb.scalar(1, 'float64');
/** Step scalars for optimizers that read only the learning rate: 1. */
const lrOne = { lr: one };

/** SGD with lr 1 from w = 0 leaves w = -g': the clipped gradient, read back. */
function clipped(
  config: { clipNorm?: number; clipValue?: number; globalClipNorm?: number },
  grads: Record<string, number[]>,
): Record<string, number[]> {
  const opt = new SGD({ learningRate: 1, ...config });
  const params: Record<string, nb.Tensor> = {};
  const gs: Record<string, nb.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) {
    params[k] = nb.zeros([g.length], 'float64');
    gs[k] = f64(g);
  }
  const r = opt.apply(params, gs, {}, lrOne);
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(r.params)) out[k] = Array.from(t.dataSync(), (x) => -x);
  return out;
}

describe('gradient clipping', () => {
  test('clipNorm rescales each tensor to at most the norm', () => {
    // ||[3, 4]|| = 5 > 1: g * 1/5 = [0.6, 0.8]. ||[0.3, 0.4]|| = 0.5 <= 1: unchanged, exactly.
    const r = clipped({ clipNorm: 1 }, { a: [3, 4], b: [0.3, 0.4] });
    expectClose(r.a, [0.6, 0.8], 1e-12, 1e-12);
    expectClose(r.b, [0.3, 0.4], 0, 0);
  });

  test('clipValue clips each element to [-v, v]', () => {
    // [-2, 0.3, 0.7] -> [-0.5, 0.3, 0.5]; [0.1, -0.2] is within the limit.
    const r = clipped({ clipValue: 0.5 }, { a: [-2, 0.3, 0.7], b: [0.1, -0.2] });
    expectClose(r.a, [-0.5, 0.3, 0.5], 0, 0);
    expectClose(r.b, [0.1, -0.2], 0, 0);
  });

  test('globalClipNorm rescales all gradients jointly', () => {
    // Global norm of [3, 0] and [0, 4] is sqrt(9 + 16) = 5 > 2.5: both scaled by 2.5/5 = 0.5.
    const r = clipped({ globalClipNorm: 2.5 }, { a: [3, 0], b: [0, 4] });
    expectClose(r.a, [1.5, 0], 1e-12, 1e-12);
    expectClose(r.b, [0, 2], 1e-12, 1e-12);
    // Per tensor (clipNorm 2.5) the same gradients become [2.5, 0] and [0, 2.5]: a different result.
    const perTensor = clipped({ clipNorm: 2.5 }, { a: [3, 0], b: [0, 4] });
    expectClose(perTensor.a, [2.5, 0], 1e-12, 1e-12);
    expectClose(perTensor.b, [0, 2.5], 1e-12, 1e-12);
    // Global norm of [1, 0] and [0, 1] is sqrt(2) <= 2.5: unchanged.
    const under = clipped({ globalClipNorm: 2.5 }, { a: [1, 0], b: [0, 1] });
    expectClose(under.a, [1, 0], 0, 0);
    expectClose(under.b, [0, 1], 0, 0);
  });

  test('clipping happens before the update rule (Adam)', async () => {
    // Adam's first step is lr sqrt(0.001) g / (sqrt(0.001)|g| + eps); with clipValue 0.5, g = 4 acts as 0.5.
    const opt = new Adam({ learningRate: 0.1, clipValue: 0.5 });
    const w = f64([0]);
    const r = opt.apply({ w }, { w: f64([4]) }, opt.initSlots({ w }), opt.stepTensors(0, 'float64'));
    const s = Math.sqrt(0.001);
    expectClose(await r.params.w.data(), [-(0.1 * s * 0.5) / (s * 0.5 + 1e-7)], 1e-12, 1e-12);
    expectClose(await r.slots.w.m.data(), [0.05], 1e-12, 1e-12); // 0.1 * 0.5, not 0.1 * 4
  });

  test('clip settings are validated and exclusive', () => {
    expect(() => new SGD({ clipValue: -1 })).toThrow('SGD: clipValue must be a positive number, got -1');
    expect(() => new Adam({ globalClipNorm: 0 })).toThrow('Adam: globalClipNorm must be a positive number, got 0');
    expect(() => new RMSprop({ clipNorm: 1, clipValue: 1 })).toThrow(
      'RMSprop: only one of clipNorm, clipValue and globalClipNorm can be set, got clipNorm and clipValue',
    );
    expect(new SGD({ clipNorm: 2 }).getConfig()).toEqual({ learningRate: 0.01, clipNorm: 2, momentum: 0, nesterov: false });
  });
});

describe('learning rate', () => {
  test('a number, reassigned by a callback', () => {
    const opt = new Adam({ learningRate: 0.01 });
    expect(opt.currentLearningRate(0)).toBe(0.01);
    expect(opt.currentLearningRate(1000)).toBe(0.01);
    opt.learningRate = 0.005;
    expect(opt.currentLearningRate(3)).toBe(0.005);
    expect(opt.getConfig().learningRate).toBe(0.005);
    expect(() => {
      opt.learningRate = -1;
    }).toThrow('Adam: learningRate must be a positive number or a schedule, got -1');
    expect(opt.learningRate).toBe(0.005);
  });

  test('a schedule is evaluated at the number of completed steps', () => {
    const opt = new SGD({ learningRate: exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }) });
    expect(opt.currentLearningRate(0)).toBe(0.1);
    expectClose([opt.currentLearningRate(10), opt.currentLearningRate(5)], [0.05, 0.1 * 0.5 ** 0.5], 1e-15, 0); // 0.1 * 0.5^(10/10), 0.1 * 0.5^(5/10)
    expect(opt.getConfig().learningRate).toEqual({
      className: 'ExponentialDecay',
      config: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: false },
    });
  });

  test('a plain function works; a bad value from it is reported', () => {
    const opt = new SGD({ learningRate: (it: number) => 1 / (it + 1) });
    expect(opt.currentLearningRate(3)).toBe(0.25);
    const bad = new SGD({ learningRate: (it: number) => (it > 2 ? Number.NaN : 0.1) });
    expect(bad.currentLearningRate(2)).toBe(0.1);
    expect(() => bad.currentLearningRate(3)).toThrow(
      'SGD: the learning rate schedule returned NaN at iteration 3; expected a finite number',
    );
    expect(() => new SGD({ learningRate: '0.1' as never })).toThrow("SGD: learningRate must be a positive number or a schedule, got '0.1'");
  });
});

describe('apply', () => {
  test('errors name the key', () => {
    const opt = new Adam();
    const w = f64([1, 2]);
    const b = f64([0]);
    const slots = opt.initSlots({ w });
    const scalars = opt.stepTensors(0, 'float64');
    expect(() => opt.apply({ w, b }, { w: f64([1, 1]) }, slots, scalars)).toThrow("Adam.apply: no gradient for parameter 'b'");
    expect(() => opt.apply({ w }, { w: f64([1, 1]), bias: f64([1]) }, slots, scalars)).toThrow(
      "Adam.apply: gradient 'bias' has no matching parameter",
    );
    expect(() => opt.apply({ w }, { w: f64([1, 1, 1]) }, slots, scalars)).toThrow(
      "Adam.apply: gradient 'w' has shape [3], parameter has shape [2]",
    );
    expect(() => opt.apply({ w }, { w: f64([1, 1]) }, {}, scalars)).toThrow(
      "Adam.apply: missing slot 'm' for parameter 'w' (create slots with initSlots)",
    );
    expect(() => opt.apply({ w }, { w: f64([1, 1]) }, { w: opt.initSlots({ b }).b }, scalars)).toThrow(
      "Adam.apply: slot 'm' of parameter 'w' has shape [1], expected [2]",
    );
    // Small parameters share flat slots: per-parameter slots do not fit them.
    expect(() => opt.apply({ w, b }, { w: f64([1, 1]), b: f64([1]) }, { ...slots, ...opt.initSlots({ b }) }, scalars)).toThrow(
      "Adam.apply: missing slot 'm' for parameters 'w+b' (create slots with initSlots)",
    );
    expect(() => opt.apply({ w }, { w: f64([1, 1]) }, slots, { ...scalars, lr: f64([1, 2]) })).toThrow(
      "Adam.apply: step scalar 'lr' must be a scalar tensor (see stepTensors), got shape [2]",
    );
    expect(() => opt.apply({ w }, { w: f64([1, 1]) }, slots, lrOne)).toThrow(
      "Adam.apply: step scalar 'alpha' must be a scalar tensor (see stepTensors), got undefined",
    );
    const i = nb.tensor([1, 2], [2], 'int32');
    expect(() => new SGD().apply({ i }, { i }, {}, lrOne)).toThrow(
      "SGD.apply: parameter 'i' has dtype int32; only float parameters can be trained",
    );
  });

  test('returns new tensors, leaves the inputs alone, and leaks no intermediates', async () => {
    const opt = new RMSprop({ learningRate: 0.1, momentum: 0.9, centered: true, clipNorm: 1 });
    const w = f64([1, 2]);
    const g = f64([3, 4]);
    const slots = opt.initSlots({ w });
    await nb.realize(slots);
    const before = nb.memory().numTensors;
    const r = opt.apply({ w }, { w: g }, slots, lrOne);
    // Exactly the new parameter and its three slots are live; clipping and update intermediates are not.
    expect(nb.memory().numTensors - before).toBe(4);
    expect(r.params.w).not.toBe(w);
    expect(Object.values(r.slots.w).some((t) => Object.values(slots.w).includes(t))).toBe(false);
    await nb.realize(r);
    expectClose(await w.data(), [1, 2], 0, 0);
    expectClose(await slots.w.velocity.data(), [0, 0], 0, 0);
  });

  test('small parameters share flat slots and are updated as one vector, exactly as one by one', async () => {
    const make = () => new Adam({ learningRate: 0.1, amsgrad: true });
    const opt = make();
    const big = FLAT_SLOT_LIMIT + 1;
    const start: Record<string, nb.Tensor> = {
      w: f64([1, -2, 3, 0.5]).reshape([2, 2]),
      b: f64([0.25]),
      big: nb.fill([big], 1, 'float64'),
      h: nb.scalar(2),
    };
    expect(opt.slotGroups(start)).toEqual([
      { key: 'big', names: ['big'] },
      { key: 'w+b', names: ['w', 'b'] },
      { key: 'h', names: ['h'] },
    ]);
    const grads = (p: Record<string, nb.Tensor>) =>
      nb.grad((q: Record<string, nb.Tensor>) =>
        nb.add(nb.sum(nb.sin(nb.add(nb.sum(q.w), nb.mul(q.b, q.big)))), nb.mul(nb.cast(q.h, 'float64'), nb.sum(q.w))),
      )(p);
    let flat = { params: start, slots: opt.initSlots(start) };
    expect(flat.slots['w+b'].m.shape).toEqual([5]);
    expect(flat.slots.big.vhat.shape).toEqual([big]);
    // One by one: each parameter its own optimizer call, so its own slots.
    let alone = Object.fromEntries(
      Object.keys(start).map((k) => [k, { params: { [k]: start[k] }, slots: make().initSlots({ [k]: start[k] }) }]),
    );
    for (let i = 0; i < 3; i++) {
      const g = grads(flat.params);
      flat = opt.apply(flat.params, g, flat.slots, opt.stepTensors(i, 'float64'));
      alone = Object.fromEntries(
        Object.entries(alone).map(([k, a]) => [k, make().apply(a.params, { [k]: g[k] }, a.slots, opt.stepTensors(i, 'float64'))]),
      );
    }
    for (const k of Object.keys(start)) {
      expect(flat.params[k].shape).toEqual(start[k].shape);
      expect(flat.params[k].dtype).toBe(start[k].dtype);
      expectClose(await flat.params[k].data(), await alone[k].params[k].data(), 0, 0);
    }
  });

  test('a training step compiles once: later steps reuse the executable', async () => {
    for (const opt of [
      new Adam({ learningRate: 0.1, amsgrad: true, globalClipNorm: 1 }),
      new SGD({ learningRate: exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }), momentum: 0.9 }),
    ]) {
      let params: Record<string, nb.Tensor> = { w: nb.tensor([0, 1], [2], 'float64'), b: nb.tensor([0], [1], 'float64') };
      let slots = opt.initSlots(params);
      const loss = (p: Record<string, nb.Tensor>) => nb.sum(nb.square(nb.sub(nb.add(p.w, p.b), 3)));
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const grads = nb.grad(loss)(params);
        const r = opt.apply(params, grads, slots, opt.stepTensors(i, 'float64'));
        await nb.realize(r);
        params = r.params;
        slots = r.slots;
        sizes.push(nb.cacheStats('cpu').size);
      }
      // Step 1 reads the lazily initialized slots; from step 2 on, the graph is the same (the
      // step scalars, scheduled learning rate included, are inputs, not part of the structure).
      expect(sizes[1]).toBeGreaterThan(0);
      expect(sizes[3]).toBe(sizes[1]);
      expect(sizes[2]).toBe(sizes[1]);
    }
  });
});

describe('convergence: 200 steps on sum((w - 3)^2) from w = 0', () => {
  const cases: [string, () => Optimizer][] = [
    ['SGD', () => new SGD({ learningRate: 0.1 })],
    ['SGD momentum', () => new SGD({ learningRate: 0.02, momentum: 0.9 })],
    ['SGD nesterov', () => new SGD({ learningRate: 0.02, momentum: 0.9, nesterov: true })],
    ['Adam', () => new Adam({ learningRate: 0.1 })],
    ['Adam amsgrad', () => new Adam({ learningRate: 0.1, amsgrad: true })],
    ['AdamW', () => new AdamW({ learningRate: 0.1 })],
    ['RMSprop', () => new RMSprop({ learningRate: 0.05 })],
    ['RMSprop centered momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['Adagrad', () => new Adagrad({ learningRate: 1 })],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const opt = make();
      let params: Record<string, nb.Tensor> = { w: nb.zeros([3]) };
      let slots = opt.initSlots(params);
      const loss = (p: Record<string, nb.Tensor>) => nb.sum(nb.square(nb.sub(p.w, 3)));
      for (let i = 0; i < 200; i++) {
        const grads = nb.grad(loss)(params);
        const r = opt.apply(params, grads, slots, opt.stepTensors(i));
        await nb.realize(r);
        params = r.params;
        slots = r.slots;
      }
      for (const w of await params.w.data()) expect(Math.abs(w - 3)).toBeLessThan(0.05);
    });
  }
});
