import { CpuBackend } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { expect, test } from 'vitest';
import { Adam } from './adam.js';
import { FLAT_SLOT_LIMIT } from './optimizer.js';

class SmallFlatSlots extends CpuBackend {
  override readonly capabilities = { dtypes: nb.DTYPES, sync: true, flatSlotLimit: 4 };
}
nb.registerBackend('cpu-flat-4', () => new SmallFlatSlots('cpu-flat-4'));

/** How Adam groups parameters of 3, 4, 5 and FLAT_SLOT_LIMIT + 1 elements made on `backend`. */
function groupsOn(backend: string): string[] {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    const params = { a: nb.zeros([3]), b: nb.zeros([2, 2]), c: nb.zeros([5]), d: nb.zeros([FLAT_SLOT_LIMIT + 1]) };
    const keys = new Adam().slotGroups(params).map((g) => g.key);
    nb.dispose(Object.values(params));
    return keys;
  } finally {
    nb.setBackend(previous);
  }
}

test('parameters share flat slots up to their backend’s flatSlotLimit, FLAT_SLOT_LIMIT when it states none', () => {
  expect(FLAT_SLOT_LIMIT).toBe(4096);
  expect(groupsOn('cpu')).toEqual(['d', 'a+b+c']);
  expect(groupsOn('cpu-flat-4')).toEqual(['c', 'd', 'a+b']);
});
