import '@nabla/backend-cpu';
import { afterEach, describe, expect, test } from 'vitest';
import * as nb from '../index.js';

describe('debug mode', () => {
  afterEach(() => nb.setDebug(false));

  test('throws at the first op that makes NaN or Infinity, naming it', () => {
    nb.setDebug(true);
    const x = nb.tensor([1, -1]);
    const y = nb.mul(x, 2); // fine
    expect(() => nb.log(y)).toThrow('debug: log produced NaN at flat index 1 of its output [2] (operands [2])');
    expect(() => nb.div(x, 0)).toThrow('debug: div produced Infinity at flat index 0 of its output [2] (operands [2], [])');
  });

  test('rejects non-finite input data', () => {
    nb.setDebug(true);
    expect(() => nb.tensor([1, Number.NaN])).toThrow('debug: tensor was given NaN at flat index 1');
  });

  test('without debug mode the NaN just flows', async () => {
    const y = nb.log(nb.tensor([-1]));
    expect(Number.isNaN(await y.item())).toBe(true);
  });

  test('gradients still work in debug mode', async () => {
    nb.setDebug(true);
    const g = nb.grad((x: nb.Tensor) => nb.sum(nb.square(x)))(nb.tensor([3]));
    expect(await g.array()).toEqual([6]);
  });
});
