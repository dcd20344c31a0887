import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { names } from './names.js';
import { sineWaves } from './sine.js';

test('names: both lists, lowercased, each once, in code-unit order', () => {
  const list = names();
  expect(list).toHaveLength(8422);
  for (const name of list) expect(name).toMatch(/^[a-z-]+$/);
  for (let i = 1; i < list.length; i++) expect(list[i - 1] < list[i]).toBe(true);
  // One from each list, and one from both.
  expect(list).toEqual(expect.arrayContaining(['mary', 'john', 'jean']));
  expect(names()).toEqual(list);
});

async function values(seed: number, noise: number) {
  const { x, y, persistenceMse } = await sineWaves({ samples: 200, length: 20, noise, seed });
  expect(x.shape).toEqual([200, 20, 1]);
  expect(y.shape).toEqual([200, 1]);
  const out = { x: await x.data(), y: await y.data(), persistenceMse };
  nb.dispose([x, y]);
  return out;
}

test('sine: without noise, y is the next value of the same wave', async () => {
  const { x, y } = await values(3, 0);
  for (let i = 0; i < 200; i++) {
    const s = x.subarray(i * 20, (i + 1) * 20);
    // A sine sampled at a fixed step obeys s[t+1] + s[t-1] = c s[t], c = 2 cos(w): fit c, predict.
    let num = 0;
    let den = 0;
    for (let t = 1; t < 19; t++) {
      num += s[t] * (s[t + 1] + s[t - 1]);
      den += s[t] * s[t];
    }
    const c = num / den;
    expect(c).toBeGreaterThan(2 * Math.cos(0.5) - 1e-4);
    expect(c).toBeLessThan(2 * Math.cos(0.1) + 1e-4);
    // float32 values of magnitude up to 1.5, through a recurrence that scales them by c < 2.
    expect(Math.abs(c * s[19] - s[18] - y[i])).toBeLessThan(1e-4);
  }
});

test('sine: the noise is Gaussian of the given deviation; the same seed gives the same data', async () => {
  const clean = await values(3, 0);
  const noisy = await values(3, 0.05);
  expect(noisy.y).toEqual(clean.y);
  let sq = 0;
  for (let k = 0; k < clean.x.length; k++) sq += (noisy.x[k] - clean.x[k]) ** 2;
  // 4,000 draws: the sample variance is within 10% of 0.05^2 (its relative deviation is ~2%).
  expect(sq / clean.x.length).toBeGreaterThan(0.9 * 0.0025);
  expect(sq / clean.x.length).toBeLessThan(1.1 * 0.0025);
  expect((await values(3, 0.05)).x).toEqual(noisy.x);
  expect((await values(4, 0.05)).x).not.toEqual(noisy.x);
  // Repeating the last value is a poor predictor: well above the noise's own variance.
  expect(noisy.persistenceMse).toBeGreaterThan(0.01);
});
