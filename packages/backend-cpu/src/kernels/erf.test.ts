import { expect, test } from 'vitest';
import { erf } from './erf.js';

test('erf: odd, bounded, accurate where the two methods meet', () => {
  expect(erf(0)).toBe(0);
  expect(erf(-1.3)).toBe(-erf(1.3));
  expect(erf(10)).toBe(1);
  expect(Number.isNaN(erf(Number.NaN))).toBe(true);
  // Series just below 3 and continued fraction just above must join smoothly.
  const below = erf(3 - 1e-9);
  const above = erf(3 + 1e-9);
  expect(Math.abs(above - below)).toBeLessThan(1e-12);
  expect(erf(3)).toBeCloseTo(0.9999779095030014, 15);
});
