import type { IndexCheck } from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { gatherKernel, scatterAddKernel } from './movement.js';

const gatherCheck: IndexCheck = { op: 'gather', what: 'index', range: 'axis 1 of size 3' };

describe('gather and scatterAdd kernels check every index before indexing', () => {
  test('gather along an inner axis: values, and the first bad index with its position in the indices', () => {
    const x = Float32Array.from([0, 1, 2, 10, 11, 12]); // [2, 3]
    const out = new Float32Array(4);
    gatherKernel([2, 3], 1, [2], gatherCheck)([x, Int32Array.from([2, 0])], out);
    expect(Array.from(out)).toEqual([2, 0, 12, 10]);
    const run = (indices: number[], shape: number[]) => () =>
      gatherKernel([2, 3], 1, shape, gatherCheck)([x, Int32Array.from(indices)], new Float32Array(2 * indices.length));
    expect(run([0, -1], [2])).toThrow('gather: index -1 at position [1] is out of range for axis 1 of size 3');
    expect(run([0, 1, 2, 3], [2, 2])).toThrow('gather: index 3 at position [1,1] is out of range for axis 1 of size 3');
    expect(run([], [0])).not.toThrow();
  });

  test('scatterAdd: sums repeated indices; a bad index is reported in the terms of the check it carries', () => {
    const out = new Float32Array(4);
    const check: IndexCheck = { op: 'sparseCategoricalCrossentropy', what: 'label', range: '2 classes', shape: [2, 1], block: 2 };
    // Two rows of 2 classes: row 0 takes entry 1 (flat 1), row 1 entry 0 (flat 2).
    scatterAddKernel([4], 0, [2], check)([Float32Array.from([5, 7]), Int32Array.from([1, 2])], out);
    expect(Array.from(out)).toEqual([0, 5, 7, 0]);
    // Flat index 2 for row 0 is label 2: inside the flattened axis, outside its own row.
    const bad = () => scatterAddKernel([4], 0, [2], check)([Float32Array.from([5, 7]), Int32Array.from([2, 2])], out);
    expect(bad).toThrow('sparseCategoricalCrossentropy: label 2 at position [0,0] is out of range for 2 classes');
    const negative = () => scatterAddKernel([4], 0, [2], check)([Float32Array.from([5, 7]), Int32Array.from([1, 1])], out);
    expect(negative).toThrow('sparseCategoricalCrossentropy: label -1 at position [1,0] is out of range for 2 classes');
  });
});
