import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { linearRegression } from './linear-regression.js';
import { twoMoons } from './two-moons.js';

test('linear regression recovers weight ~3 and bias ~0.5, leaving no tensor behind', async () => {
  const before = nb.memory().numTensors;
  const { weight, bias } = await linearRegression(() => {});
  expect(weight).toBeGreaterThan(2.7);
  expect(weight).toBeLessThan(3.3);
  expect(bias).toBeGreaterThan(0.3);
  expect(bias).toBeLessThan(0.7);
  expect(nb.memory().numTensors).toBe(before);
});

test('two moons: the MLP separates what a line cannot, leaving no tensor or buffer behind', async () => {
  const before = nb.memory();
  const { accuracy } = await twoMoons(() => {});
  expect(accuracy).toBeGreaterThanOrEqual(0.95);
  expect(nb.memory().numTensors).toBe(before.numTensors);
  expect(nb.memory().numBuffers).toBe(before.numBuffers);
});
