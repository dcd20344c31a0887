import '@nabla/backend-cpu';
import { expect, test } from 'vitest';
import type { TypedArray } from '../dtype.js';
import * as nb from '../index.js';
import { toNested } from './read.js';

test('a tensor too large for nested JavaScript arrays is a NablaError that points to data()', () => {
  const t = nb.zeros([2, 3]);
  // V8 refuses arrays past about 134 million elements with a RangeError; stand in for that read.
  const tooLarge = new Proxy(new Float32Array(6), {
    get(target, key) {
      if (key === '4') throw new RangeError('Invalid array length');
      return Reflect.get(target, key);
    },
  }) as TypedArray;
  expect(() => toNested(t, tooLarge)).toThrow(
    'array: a tensor of shape [2,3] does not fit in nested JavaScript arrays (Invalid array length); read it as a typed array with data()',
  );
  expect(toNested(t, new Float32Array(6))).toEqual([
    [0, 0, 0],
    [0, 0, 0],
  ]);
  t.dispose();
});
