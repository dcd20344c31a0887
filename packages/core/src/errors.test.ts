import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from './index.js';

/** Every kind of bad input gives an error that names the op and the values. */
describe('clear errors', () => {
  test('shape mismatches', () => {
    expect(() => nb.add(nb.ones([2, 3]), nb.ones([4, 3]))).toThrow('add: shapes cannot be broadcast together: [2,3] and [4,3]');
    expect(() => nb.matmul(nb.ones([2, 3]), nb.ones([4, 5]))).toThrow('matmul: inner dimensions differ: [2,3] x [4,5]');
    expect(() => nb.reshape(nb.ones([2, 3]), [4, 2])).toThrow('reshape: cannot reshape [2,3] (6 elements) to [4,2]');
    expect(() => nb.concat([nb.ones([2, 3]), nb.ones([3, 3])], 1)).toThrow('concat: shapes must match except along axis 1: [2,3], [3,3]');
    expect(() => nb.stack([nb.ones([2]), nb.ones([3])])).toThrow('stack: shapes must be equal: [2], [3]');
    expect(() => nb.broadcastTo(nb.ones([3]), [2, 2])).toThrow('broadcastTo: cannot broadcast [1,3] to [2,2]');
    expect(() => nb.slice(nb.ones([2, 3]), [1, 2], [2, 1])).toThrow('slice: begin [1,2] size [2,1] is out of bounds for [2,3]');
    expect(() => nb.split(nb.ones([5]), 2)).toThrow('split: axis 0 of size 5 cannot be split into 2 equal parts');
    expect(() => nb.squeeze(nb.ones([2, 3]), 1)).toThrow('squeeze: axis 1 of [2,3] has size 3, not 1');
    expect(() => nb.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array/);
    expect(() => nb.tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2,2]');
  });

  test('dtype mismatches', () => {
    expect(() => nb.where(nb.ones([2]), 1, 2)).toThrow('where: condition must be bool, got float32');
    expect(() => nb.logicalAnd(nb.ones([2]), nb.tensor([true, false]))).toThrow(
      'logicalAnd: dtypes differ: float32 and bool; cast one first',
    );
    expect(() => nb.gather(nb.ones([3]), nb.tensor([0.5]))).toThrow('gather: indices must be int32, got float32');
    expect(() => nb.tensor([1], [1], 'float16' as nb.DType)).toThrow(
      "tensor: unknown dtype 'float16'; expected one of float32, float64, int32, bool",
    );
    expect(() => nb.logicalNot(nb.ones([1]))).toThrow('logicalNot: expects a bool tensor, got float32');
    expect(() => nb.randomNormal([2], { dtype: 'int32' })).toThrow('randomNormal: dtype must be float32 or float64, got int32');
  });

  test('axes out of range', () => {
    expect(() => nb.sum(nb.ones([2, 3]), { axis: 2 })).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => nb.softmax(nb.ones([2, 3]), -3)).toThrow('softmax: axis -3 is out of range for a tensor of rank 2');
    expect(() => nb.argMax(nb.ones([2]), 1)).toThrow('argMax: axis 1 is out of range for a tensor of rank 1');
    expect(() => nb.concat([nb.ones([2])], 1)).toThrow('concat: axis 1 is out of range for a tensor of rank 1');
    expect(() => nb.transpose(nb.ones([2, 3]), [0, 0])).toThrow('transpose: perm [0,0] is not a permutation of the 2 axes of [2,3]');
    expect(() => nb.sum(nb.ones([2, 3]), { axis: [1, -1] })).toThrow('sum: axis [1,-1] repeats an axis');
  });

  test('non-integer or negative dimensions', () => {
    expect(() => nb.zeros([2, -1])).toThrow('zeros: dimensions must be non-negative integers, got [2,-1]');
    expect(() => nb.ones([1.5])).toThrow('ones: dimensions must be non-negative integers, got [1.5]');
    expect(() => nb.randomUniform([Number.NaN])).toThrow('randomUniform: dimensions must be non-negative integers, got [NaN]');
    expect(() => nb.reshape(nb.ones([4]), [2, 2.5])).toThrow('reshape: dimensions must be non-negative integers, got [2,2.5]');
    expect(() => nb.eye(-2)).toThrow("eye: argument 'n' must be a non-negative integer, got -2 (number)");
  });

  test('use of a disposed tensor', () => {
    const x = nb.ones([2]);
    x.dispose();
    expect(() => x.add(1)).toThrow('add: tensor was disposed (shape [2], float32)');
    expect(() => nb.matmul(x, x)).toThrow(/tensor was disposed/);
    expect(String(x)).toBe('Tensor float32 [2] (disposed)');
  });

  test('reading a multi-element tensor as an item', async () => {
    await expect(nb.ones([2]).item()).rejects.toThrow('item: tensor has 2 elements, not 1 (shape [2])');
  });
});
