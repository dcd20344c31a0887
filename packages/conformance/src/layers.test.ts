import { registeredLayers } from '@nabla/nn';
import { describe, expect, test } from 'vitest';
import { classesOf, leftOut, PENDING_LAYERS } from './cases/layers.js';
import { loadFixturesSync } from './node.js';

const fixtures = loadFixturesSync();
const used = new Set([
  ...fixtures.layers.flatMap((c) => classesOf(c.layers)),
  ...fixtures.training.flatMap((r) => classesOf(r.model.layers)),
]);

describe('the layer fixtures', () => {
  test('name only layers @nabla/nn registers, or pending ones', () => {
    const unknown = [...used].filter((c) => !registeredLayers().includes(c) && !PENDING_LAYERS.has(c));
    expect(unknown).toEqual([]);
  });

  test('pending layers are not registered yet (take one off PENDING_LAYERS when it lands)', () => {
    expect([...PENDING_LAYERS].filter((c) => registeredLayers().includes(c))).toEqual([]);
  });

  test('case ids are unique over layers.json and layers-torch.json', () => {
    const ids = fixtures.layers.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('no case is left out (every layer the fixtures use has landed)', () => {
    const reasons = new Set(fixtures.layers.flatMap((c) => leftOut(c) ?? []));
    expect([...reasons].sort()).toEqual([]);
  });
});
