import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients, expectClose } from '../../core/src/test-utils/gradcheck.js';
import { ACTIVATION_NAMES, getActivation } from './activations.js';

const X = [-2, -0.5, 0, 1.5, 7];
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

// Expected values at X, each element written out from its definition.
const EXPECTED: Record<string, number[]> = {
  linear: X,
  relu: [0, 0, 0, 1.5, 7],
  relu6: [0, 0, 0, 1.5, 6],
  // e^x - 1 below 0
  elu: [Math.exp(-2) - 1, Math.exp(-0.5) - 1, 0, 1.5, 7],
  selu: [SELU_SCALE * SELU_ALPHA * (Math.exp(-2) - 1), SELU_SCALE * SELU_ALPHA * (Math.exp(-0.5) - 1), 0, SELU_SCALE * 1.5, SELU_SCALE * 7],
  sigmoid: X.map(sig),
  // 0.2 * -2 + 0.5 = 0.1; 0.2 * -0.5 + 0.5 = 0.4; 0.5; 0.2 * 1.5 + 0.5 = 0.8; 0.2 * 7 + 0.5 = 1.9 -> 1
  hardSigmoid: [0.1, 0.4, 0.5, 0.8, 1],
  tanh: X.map(Math.tanh),
  softplus: X.map((x) => Math.log1p(Math.exp(x))),
  // -2 / 3, -0.5 / 1.5, 0, 1.5 / 2.5, 7 / 8
  softsign: [-2 / 3, -1 / 3, 0, 0.6, 0.875],
  swish: X.map((x) => x * sig(x)),
  silu: X.map((x) => x * sig(x)),
  // x * Phi(x), Phi from tables: Phi(-2) = 0.022750131948179195, Phi(-0.5) = 0.3085375387259869,
  // Phi(1.5) = 0.9331927987311419, Phi(7) = 1 - 1.2798e-12
  gelu: [-2 * 0.022750131948179195, -0.5 * 0.3085375387259869, 0, 1.5 * 0.9331927987311419, 7 * (1 - 1.279812543885835e-12)],
  leakyRelu: [-0.4, -0.1, 0, 1.5, 7],
  exponential: X.map(Math.exp),
};

describe('values', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, async () => {
      const { name: got, fn } = getActivation(name);
      expect(got).toBe(name);
      const y = fn(nb.tensor(X, undefined, 'float64'));
      expect(y.shape).toEqual([5]);
      expectClose(await y.data(), expected, 1e-9, 1e-12);
    });
  }

  test('softmax and logSoftmax over the last axis', async () => {
    const x = nb.tensor(
      [
        [1, 2, 3],
        [0, 0, 1000],
      ],
      undefined,
      'float64',
    );
    // row 0: e^k / (e + e^2 + e^3); row 1: the 1000 wins without overflow
    const z = Math.E + Math.E ** 2 + Math.E ** 3;
    const sm = [Math.E / z, Math.E ** 2 / z, Math.E ** 3 / z, 0, 0, 1];
    expectClose(await getActivation('softmax').fn(x).data(), sm, 1e-12, 1e-300);
    // log-softmax row 0: k - log z; row 1: -1000, -1000, 0
    const lsm = [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z), -1000, -1000, 0];
    expectClose(await getActivation('log_softmax').fn(x).data(), lsm, 1e-12, 1e-12);
    // rank 3: every [.., .., :] slice sums to 1
    const s3 = await nb.sum(getActivation('softmax').fn(nb.randomNormal([2, 3, 4], { seed: 1, dtype: 'float64' })), { axis: -1 }).data();
    expectClose(s3, [1, 1, 1, 1, 1, 1], 1e-12, 1e-12);
  });

  test('hardSigmoid saturates at 0 below -2.5 and at 1 above 2.5', async () => {
    // 0.2 * -3 + 0.5 = -0.1 -> 0; 0.2 * 2.5 + 0.5 = 1
    expectClose(
      await getActivation('hardSigmoid')
        .fn(nb.tensor([-3, -2.5, 2.5, 3]))
        .data(),
      [0, 0, 1, 1],
      0,
      0,
    );
  });
});

describe('gradients of the activations composed here', () => {
  // hardSigmoid away from its kinks at +-2.5, in the linear part and both flat parts.
  test('hardSigmoid', () => {
    checkGradients(getActivation('hardSigmoid').fn, [[-4, -2.2, -1, 0.3, 1.7, 2.4, 3.5]]);
  });
  test('hardSigmoid: 0.2 inside, 0 outside', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.sum(getActivation('hard_sigmoid').fn(x)))(nb.tensor([-3, 0, 2, 3], undefined, 'float64'));
    expectClose(await g.data(), [0, 0.2, 0.2, 0], 1e-12, 1e-12);
  });
  test('softsign', () => {
    checkGradients(getActivation('softsign').fn, [[-5, -1, -0.3, 0.2, 0.9, 4]]);
  });
  test('softsign: 1 / (1 + |x|)^2', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.sum(getActivation('softsign').fn(x)))(nb.tensor([-1, 3], undefined, 'float64'));
    // 1 / 4, 1 / 16
    expectClose(await g.data(), [0.25, 0.0625], 1e-12, 1e-12);
  });
  test('exponential', () => {
    checkGradients(getActivation('exponential').fn, [[-2, -0.5, 0, 0.8, 2]]);
  });
});

describe('getActivation', () => {
  test('linear for undefined, null and none: the input itself', () => {
    const x = nb.tensor([1, -2]);
    for (const id of [undefined, null, 'none', 'linear']) {
      const a = getActivation(id);
      expect(a.name).toBe('linear');
      expect(a.fn(x)).toBe(x);
    }
  });

  test('snake_case names map to camelCase', () => {
    expect(getActivation('hard_sigmoid').name).toBe('hardSigmoid');
    expect(getActivation('leaky_relu').name).toBe('leakyRelu');
    expect(getActivation('log_softmax').name).toBe('logSoftmax');
    expect(ACTIVATION_NAMES).toContain('swish');
    for (const name of ACTIVATION_NAMES) expect(getActivation(name).name).toBe(name);
  });

  test('a function is taken with its name', () => {
    const cube = (x: nb.Tensor) => nb.mul(nb.mul(x, x), x);
    expect(getActivation(cube)).toEqual({ name: 'cube', fn: cube });
    expect(getActivation(nb.relu).name).toBe('relu');
    expect(getActivation([(x: nb.Tensor) => x][0]).name).toBe('custom');
  });

  test('errors', () => {
    expect(() => getActivation('relu7')).toThrow(nb.NablaError);
    expect(() => getActivation('relu7')).toThrow(
      /getActivation: unknown activation 'relu7'; did you mean 'relu'\? \(known: linear, relu, relu6, .*logSoftmax\)/,
    );
    expect(() => getActivation(3 as never)).toThrow('getActivation: expected a name or a function, got number');
  });
});
