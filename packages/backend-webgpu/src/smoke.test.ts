import '@nabla/backend-cpu';
import './index.js';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, it } from 'vitest';

async function on(backend: string, f: () => nb.Tensor): Promise<number[]> {
  nb.setBackend(backend);
  return Array.from(await f().data());
}

describe('webgpu elementwise', () => {
  afterAll(async () => {
    nb.setBackend('cpu');
    await nb.getBackendInstance('webgpu').destroy?.();
  });
  const cases: [string, () => nb.Tensor][] = [
    ['broadcast add, fused with mul and exp', () => nb.exp(nb.mul(nb.add(nb.tensor([1, 2, 3, 4], [2, 2]), nb.tensor([10, 20], [2])), 0.1))],
    ['int32 add wraps', () => nb.add(nb.tensor([5, -7, 2147483647], [3], 'int32'), nb.tensor([1, 1, 1], [3], 'int32'))],
    ['comparisons with NaN', () => nb.less(nb.tensor([1, Number.NaN, 3]), nb.tensor([2, 2, 2]))],
    [
      'log, sqrt and division edge cases',
      () => nb.add(nb.log(nb.tensor([0, -1, 1, Infinity])), nb.div(nb.tensor([1, -1, 0, 1]), nb.tensor([0, 0, 0, Infinity]))),
    ],
  ];
  for (const [name, f] of cases) {
    it(name, async () => {
      const want = await on('cpu', f);
      const got = await on('webgpu', f);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        if (Number.isNaN(want[i])) expect(g).toBeNaN();
        else expect(g).toBeCloseTo(want[i], 5);
      });
    });
  }
});

describe('webgpu dtypes', () => {
  it('float64 is an error that names the dtypes this backend has', () => {
    nb.setBackend('webgpu');
    expect(() => nb.tensor([1, 2], [2], 'float64')).toThrow(/float32, int32, bool/);
    expect(() => nb.cast(nb.tensor([1, 2]), 'float64')).toThrow(/float32, int32, bool/);
  });
});

describe('webgpu limits', () => {
  it('spreads a dispatch past 65,535 workgroups over two dimensions', async () => {
    nb.setBackend('webgpu');
    // 256 invocations per workgroup (or fewer): at least 65,541 workgroups, past the per-dimension limit.
    const n = 65_541 * 256;
    const x = nb.arange(0, n, 1, 'int32');
    const y = await nb.add(x, 1).data();
    expect(y.length).toBe(n);
    let wrong = -1;
    for (let i = 0; i < n; i++) {
      if (y[i] !== i + 1) {
        wrong = i;
        break;
      }
    }
    expect(wrong).toBe(-1);
  });
});
