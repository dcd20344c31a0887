import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';

describe('Philox4x32-10', () => {
  // Known-answer vectors of the Random123 distribution (kat_vectors).
  test('matches the published test vectors', () => {
    const hex = (w: number[]) => w.map((v) => v.toString(16).padStart(8, '0'));
    expect(hex(nb.philox4x32(0, 0, 0, 0, 0, 0))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(hex(nb.philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toEqual([
      '408f276d',
      '41c83b0e',
      'a20bc7c6',
      '6d5451fd',
    ]);
    expect(hex(nb.philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))).toEqual([
      'd16cfe09',
      '94fdcceb',
      '5001e420',
      '24126ea1',
    ]);
  });

  test('the random primitive equals the reference bit for bit', async () => {
    const t = nb.randomUniform([1001], { seed: 42 });
    const ref = nb.philoxUniform(1001, [42, 0], [0, 0]);
    expect(Array.from(await t.data())).toEqual(Array.from(ref));
  });

  test('a seed tensor gives the same bits as the same number', async () => {
    const byTensor = nb.randomUniform([7], { seed: nb.scalar(42, 'int32') });
    expect(Array.from(await byTensor.data())).toEqual(Array.from(nb.philoxUniform(7, [42, 0], [0, 0])));
    expect(() => nb.randomUniform([2], { seed: nb.scalar(1.5) })).toThrow(
      'randomUniform: a seed tensor must be an int32 scalar, got float32 []',
    );
  });
});

describe('random tensors', () => {
  test('same seed, same values; different seeds differ', async () => {
    const a = await nb.randomNormal([100], { seed: 3 }).data();
    const b = await nb.randomNormal([100], { seed: 3 }).data();
    const c = await nb.randomNormal([100], { seed: 4 }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  test('setSeed restarts the global stream; successive calls differ', async () => {
    nb.setSeed(9);
    const a = await nb.randomUniform([5]).data();
    const b = await nb.randomUniform([5]).data();
    nb.setSeed(9);
    expect(Array.from(await nb.randomUniform([5]).data())).toEqual(Array.from(a));
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  test('moments: uniform, normal, truncated normal, int32 uniform', async () => {
    const n = 100_000;
    const stats = async (t: nb.Tensor) =>
      [await nb.mean(t).item(), await nb.variance(t).item(), await nb.min(t).item(), await nb.max(t).item()] as number[];
    const [um, uv, umin, umax] = await stats(nb.randomUniform([n], { seed: 1, minval: 2, maxval: 4 }));
    expect(um).toBeCloseTo(3, 1);
    expect(uv).toBeCloseTo(4 / 12, 1);
    expect(umin).toBeGreaterThanOrEqual(2);
    expect(umax).toBeLessThan(4);
    const [nm, nv] = await stats(nb.randomNormal([n], { seed: 2, mean: 1, stddev: 2 }));
    expect(Math.abs(nm - 1)).toBeLessThan(0.03);
    expect(Math.abs(nv - 4)).toBeLessThan(0.1);
    const [, tv, tmin, tmax] = await stats(nb.truncatedNormal([n], { seed: 3 }));
    expect(tmin).toBeGreaterThanOrEqual(-2);
    expect(tmax).toBeLessThanOrEqual(2);
    expect(Math.abs(tv - 0.774)).toBeLessThan(0.02); // variance of N(0,1) truncated at +-2
    const ints = nb.randomUniform([1000], { seed: 4, minval: 0, maxval: 10, dtype: 'int32' });
    expect(ints.dtype).toBe('int32');
    const iv = Array.from(await ints.data());
    expect(Math.min(...iv)).toBe(0);
    expect(Math.max(...iv)).toBe(9);
  });
});

describe("TensorFlow.js's positional forms and checked options", () => {
  const n = 20_000;
  const stats = async (t: nb.Tensor) => {
    const v = Array.from(await t.data());
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    return { mean, variance, min: Math.min(...v), max: Math.max(...v), values: v };
  };

  test('randomUniform(shape, minval, maxval, dtype, seed) honours the range and equals the options form', async () => {
    const t = nb.randomUniform([n], -1, 1, 'float32', 5);
    const s = await stats(t);
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.min).toBeLessThan(-0.99);
    expect(s.max).toBeLessThan(1);
    expect(s.max).toBeGreaterThan(0.99);
    expect(Math.abs(s.mean)).toBeLessThan(0.03);
    expect(s.values).toEqual(Array.from(await nb.randomUniform([n], { minval: -1, maxval: 1, seed: 5 }).data()));
    // Without a seed (the call): the range is honoured too.
    const unseeded = await stats(nb.randomUniform([n], -1, 1));
    expect(unseeded.min).toBeLessThan(0);
    expect(unseeded.min).toBeGreaterThanOrEqual(-1);
  });

  test('randomNormal(shape, mean, stdDev, dtype, seed) honours mean and deviation', async () => {
    const s = await stats(nb.randomNormal([n], 5, 2, 'float32', 6));
    expect(Math.abs(s.mean - 5)).toBeLessThan(0.06);
    expect(Math.abs(s.variance - 4)).toBeLessThan(0.2);
    expect(s.values).toEqual(Array.from(await nb.randomNormal([n], { mean: 5, stddev: 2, seed: 6 }).data()));
    const f64 = nb.randomNormal([3], 5, 2, 'float64', 6);
    expect(f64.dtype).toBe('float64');
  });

  test('truncatedNormal(shape, mean, stdDev, dtype, seed) stays within two deviations of the mean', async () => {
    const s = await stats(nb.truncatedNormal([n], 5, 2, 'float32', 7));
    expect(s.min).toBeGreaterThanOrEqual(1);
    expect(s.max).toBeLessThanOrEqual(9);
    expect(Math.abs(s.mean - 5)).toBeLessThan(0.06);
    expect(Math.abs(s.variance - 4 * 0.774)).toBeLessThan(0.15); // 4 x the variance of N(0,1) truncated at +-2
    expect(s.values).toEqual(Array.from(await nb.truncatedNormal([n], { mean: 5, stddev: 2, seed: 7 }).data()));
  });

  test('int32 randomUniform draws each integer of [minval, maxval) equally often', async () => {
    // TF.js 4.22 gives the same support for [0, 10). For [-5, 5) it truncates toward zero: 0 comes
    // twice as often and -5 never (checked: 3931 zeros and no -5 in 20000 draws); nabla floors.
    const count = async (t: nb.Tensor) => {
      const c = new Map<number, number>();
      for (const v of await t.data()) c.set(v, (c.get(v) ?? 0) + 1);
      return c;
    };
    const t = nb.randomUniform([20_000], -5, 5, 'int32', 8);
    expect(t.dtype).toBe('int32');
    const c = await count(t);
    expect([...c.keys()].sort((a, b) => a - b)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (const n of c.values()) expect(Math.abs(n - 2000)).toBeLessThan(200);
    const nonNegative = await count(nb.randomUniform([20_000], 0, 10, 'int32', 8));
    expect([...nonNegative.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a call rejected for its arguments does not advance the global stream', async () => {
    nb.setSeed(3);
    const first = Array.from(await nb.randomUniform([4]).data());
    nb.setSeed(3);
    expect(() => nb.randomUniform([4], 0.5, 3, 'int32')).toThrow(/int32 bounds/);
    expect(() => nb.randomNormal([4], 0, 1, 'int32')).toThrow(/dtype must be/);
    expect(Array.from(await nb.randomUniform([4]).data())).toEqual(first);
  });

  test('int32 draws that cannot be exact are errors, never silent floats', () => {
    expect(() => nb.randomUniform([3], 0.5, 3, 'int32')).toThrow(
      'randomUniform: an int32 draw takes int32 bounds, got minval 0.5 and maxval 3',
    );
    expect(() => nb.randomUniform([3], 0, 2 ** 25, 'int32')).toThrow(
      'randomUniform: an int32 draw spans at most 2^24 (16777216) values, got [0, 33554432)',
    );
    expect(() => nb.randomNormal([3], 5, 2, 'int32')).toThrow(
      'randomNormal: dtype must be float32 or float64, got int32 (draw floats, then round or cast them for integers)',
    );
    expect(() => nb.truncatedNormal([3], { dtype: 'bool' })).toThrow('truncatedNormal: dtype must be float32 or float64, got bool');
  });

  test('options are checked: unknown keys (with a suggestion), wrong types, both forms at once', () => {
    expect(() => nb.randomNormal([2], { stdDev: 2 } as nb.RandomNormalOptions)).toThrow(
      "randomNormal: unknown option 'stdDev'; did you mean 'stddev'? (valid options: mean, stddev, dtype, seed)",
    );
    expect(() => nb.randomUniform([2], { min: 0 } as nb.RandomUniformOptions)).toThrow("randomUniform: unknown option 'min'");
    expect(() => nb.randomUniform([2], { maxval: '2' } as unknown as nb.RandomUniformOptions)).toThrow(
      "randomUniform: option 'maxval' must be a finite number, got '2' (string)",
    );
    expect(() => nb.randomUniform([2], { dtype: 'float16' } as unknown as nb.RandomUniformOptions)).toThrow(
      "randomUniform: option 'dtype' must be one of 'float32', 'float64', 'int32', 'bool', got 'float16' (string)",
    );
    expect(() => (nb.randomUniform as (...a: unknown[]) => nb.Tensor)([2], { minval: 0 }, 2)).toThrow(
      'randomUniform: takes an options object or positional (minval, maxval, dtype, seed) arguments, not both',
    );
    expect(() => nb.randomUniform([2], [0, 1] as unknown as number)).toThrow(
      'randomUniform: options must be a plain object, got [0, 1] (array)',
    );
  });

  test('positional arguments are checked', () => {
    expect(() => nb.randomUniform([2], '0' as unknown as number)).toThrow(
      "randomUniform: argument 'minval' must be a finite number, got '0' (string)",
    );
    expect(() => nb.randomNormal([2], 0, Number.NaN)).toThrow("randomNormal: argument 'stdDev' must be a finite number, got NaN (number)");
    expect(() => nb.randomUniform([2], 0, 1, 'float16' as nb.DType)).toThrow("randomUniform: argument 'dtype' must be one of");
    expect(() => nb.randomUniform([2], 0, 1, 'float32', 'abc' as unknown as number)).toThrow(
      "randomUniform: argument 'seed' must be an integer or an int32 scalar tensor, got 'abc' (string)",
    );
    expect(() => nb.randomUniform([2], 1, 1)).toThrow('randomUniform: maxval (1) must be greater than minval (1)');
  });
});
