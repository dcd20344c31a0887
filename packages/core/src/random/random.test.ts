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
