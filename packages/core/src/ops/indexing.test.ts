import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients, values } from '../test-utils/gradcheck.js';

const iota = (shape: number[]) => nb.reshape(nb.arange(shape.reduce((a, b) => a * b, 1)), shape);

describe('indices: one rule, errors in the caller terms', () => {
  test('gather: any index outside [0, n) is an error naming its value, position, axis and size', () => {
    const x = iota([4]);
    expect(() => nb.gather(x, [-1]).dataSync()).toThrow('gather: index -1 at position [0] is out of range for axis 0 of size 4');
    expect(() => nb.gather(x, [0, 3, 4]).dataSync()).toThrow('gather: index 4 at position [2] is out of range for axis 0 of size 4');
    const m = iota([2, 3]);
    expect(() =>
      nb
        .gather(
          m,
          nb.tensor(
            [
              [0, 1],
              [2, -3],
            ],
            [2, 2],
            'int32',
          ),
          1,
        )
        .dataSync(),
    ).toThrow('gather: index -3 at position [1,1] is out of range for axis 1 of size 3');
  });

  test('gather: edge indices 0 and n-1 and empty index lists work', () => {
    const x = iota([4]);
    expect(Array.from(nb.gather(x, [0, 3]).dataSync())).toEqual([0, 3]);
    expect(nb.gather(x, nb.tensor([], [0], 'int32')).dataSync().length).toBe(0);
    expect(nb.gather(nb.zeros([0, 2]), nb.tensor([], [0], 'int32')).shape).toEqual([0, 2]);
    expect(() => nb.gather(nb.zeros([0, 2]), [0]).dataSync()).toThrow(
      'gather: index 0 at position [0] is out of range for axis 0 of size 0',
    );
  });

  test("a gather's gradient checks its indices as the gather does", () => {
    const f = (x: nb.Tensor) => nb.sum(nb.gather(x, [1, 5]));
    expect(() =>
      nb
        .grad(f)(iota([4]))
        .dataSync(),
    ).toThrow('gather: index 5 at position [1] is out of range for axis 0 of size 4');
  });

  test('takeAlongLastAxis picks one entry per row, and keeps each index inside its own row', () => {
    const x = iota([2, 3]);
    expect(Array.from(nb.takeAlongLastAxis(x, [2, 0]).dataSync())).toEqual([2, 3]);
    expect(
      nb.takeAlongLastAxis(
        iota([2, 2, 3]),
        nb.tensor(
          [
            [0, 1],
            [2, 2],
          ],
          [2, 2],
          'int32',
        ),
      ).shape,
    ).toEqual([2, 2]);
    // Index 3 of row 0 would be row 1's first entry in the flattened tensor: it is out of range.
    expect(() => nb.takeAlongLastAxis(x, [3, 0]).dataSync()).toThrow(
      'takeAlongLastAxis: index 3 at position [0] is out of range for axis -1 of size 3',
    );
    expect(() => nb.takeAlongLastAxis(x, [0, -1]).dataSync()).toThrow(
      'takeAlongLastAxis: index -1 at position [1] is out of range for axis -1 of size 3',
    );
    const named = { op: 'loss', what: 'label', range: '3 classes', shape: [2, 1] };
    expect(() => nb.takeAlongLastAxis(x, [1, 5], named).dataSync()).toThrow(
      'loss: label 5 at position [1,0] is out of range for 3 classes',
    );
    expect(() => nb.takeAlongLastAxis(x, [1, 5], { what: 'label', colour: 'red' } as nb.IndexNames)).toThrow(/unknown option 'colour'/);
    expect(() => nb.takeAlongLastAxis(x, [1])).toThrow('takeAlongLastAxis: indices of shape [1] do not match [2,3]: expected [2]');
    checkGradients((x) => nb.takeAlongLastAxis(x, [2, 0]), [values(6)], { shapes: [[2, 3]] });
  });

  test('oneHot of an index outside [0, depth) is a row of offValue (TensorFlow and TensorFlow.js do the same)', () => {
    expect(Array.from(nb.oneHot([-1, 1, 3], 3).dataSync())).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  test('the host check used by every backend', () => {
    expect(nb.firstBadIndex(new Int32Array([0, 3, 1]), 4)).toBe(-1);
    expect(nb.firstBadIndex(new Int32Array([0, 4, -1]), 4)).toBe(1);
    expect(nb.firstBadIndex(new Int32Array([1, 4]), 6, 3)).toBe(-1); // row 0 entry 1, row 1 entry 1
    expect(nb.firstBadIndex(new Int32Array([3, 4]), 6, 3)).toBe(0); // row 0 cannot reach row 1
  });
});
