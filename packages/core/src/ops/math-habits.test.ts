import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { expectClose } from '../test-utils/gradcheck.js';

/**
 * TensorFlow.js habits in the math ops: each call gives TensorFlow.js 4.22's answer (checked by
 * running it on its CPU backend; the figures quoted are its output) or a clear error. Where nabla
 * departs on purpose (weak types keep an int32 tensor int32 beside an integer), the test says so.
 */

const m = () =>
  nb.tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);
const int = (values: number[]) => nb.tensor(values, [values.length], 'int32');

describe('reductions take the axis positionally (TF.js) or as options, in function and method alike', () => {
  test('sum, mean, max, min, prod over one axis', async () => {
    // tf.sum(x, 1) [9,12]; tf.mean(x, 1, true) [[3],[4]]; tf.max(x, 1) [5,6]; tf.min(x, 0) [1,2,3]; tf.prod(x, 1) [15,48]
    expect(await nb.sum(m(), 1).array()).toEqual([9, 12]);
    expect(await m().sum(1).array()).toEqual([9, 12]);
    expect(await nb.sum(m(), { axis: 1 }).array()).toEqual([9, 12]);
    expect(await m().sum({ axis: 1 }).array()).toEqual([9, 12]);
    expect(await nb.mean(m(), 1, true).array()).toEqual([[3], [4]]);
    expect(await m().mean({ axis: 1, keepDims: true }).array()).toEqual([[3], [4]]);
    expect(await nb.max(m(), 1).array()).toEqual([5, 6]);
    expect(await nb.min(m(), 0).array()).toEqual([1, 2, 3]);
    expect(await m().min(0).array()).toEqual([1, 2, 3]);
    expect(await nb.prod(m(), 1).array()).toEqual([15, 48]);
    expect(await nb.sum(m(), [0]).array()).toEqual([5, 7, 9]);
    expect(await nb.sum(m(), -1, true).array()).toEqual([[9], [12]]);
  });

  test('null axis means all axes, as in TF.js', async () => {
    // tf.sum(x, null, true) [[21]]
    expect(await nb.sum(m(), null, true).array()).toEqual([[21]]);
    expect(await m().sum(null, true).array()).toEqual([[21]]);
    expect(await nb.sum(m()).item()).toBe(21);
  });

  test('logSumExp, variance and the euclidean norm over one axis', async () => {
    // tf.logSumExp(x, 1) [5.14293,6.14293]; tf.moments(x, 1).variance [2.66667,2.66667]; tf.norm(x, 'euclidean', 1) [5.91608,7.48331]
    expectClose(await nb.logSumExp(m(), 1).data(), [5.1429314613342285, 6.1429314613342285], 1e-6);
    expectClose(await m().logSumExp(1).data(), [5.1429314613342285, 6.1429314613342285], 1e-6);
    expectClose(await nb.variance(m(), 1).data(), [2.6666667461395264, 2.6666667461395264], 1e-6);
    expectClose(await nb.norm(m(), 'euclidean', 1).data(), [5.916079998016357, 7.4833149909973145], 1e-6);
    expectClose(await m().norm('euclidean', 1).data(), [5.916079998016357, 7.4833149909973145], 1e-6);
    expect(nb.norm(m(), 'euclidean', { axis: 1, keepDims: true }).shape).toEqual([2, 1]);
  });

  test('norm: vector orders, and TF.js matrix norms over two axes', async () => {
    // tf.norm(x, 1) 21; tf.norm(x, -Infinity, 1) [1,2]; over [0,1]: 1 -> 9, Infinity -> 12, -Infinity -> 9,
    // 'fro' -> 9.539392; tf.norm(x, 1, [1,0]) 12; tf.norm(x, 1, [0,1], true) [[9]]
    expect(await nb.norm(m(), 1).item()).toBe(21);
    expect(await nb.norm(m(), Number.NEGATIVE_INFINITY, 1).array()).toEqual([1, 2]);
    expect(await nb.norm(m(), 1, [0, 1]).item()).toBe(9);
    expect(await nb.norm(m(), Number.POSITIVE_INFINITY, [0, 1]).item()).toBe(12);
    expect(await nb.norm(m(), Number.NEGATIVE_INFINITY, [0, 1]).item()).toBe(9);
    expectClose([(await nb.norm(m(), 'fro', [0, 1]).item()) as number], [9.539392471313477], 1e-6);
    expect(await nb.norm(m(), 1, [1, 0]).item()).toBe(12);
    expect(await nb.norm(m(), 1, [0, 1], true).array()).toEqual([[9]]);
    // TF.js: "invalid ord value" for these; never another norm.
    expect(() => nb.norm(m(), 2, [0, 1])).toThrow("norm: ord 2 (number) is not a matrix norm over axes [0,1]; use 'euclidean', 'fro', 1");
    expect(() => nb.norm(m(), 3, 1)).toThrow('norm: ord 3 (number) is not a vector norm');
    expect(() => nb.norm(m(), 'fro', 1)).toThrow("norm: ord 'fro' (string) is not a vector norm");
  });

  test('the forms are checked: unknown option, keepDims type, keepDims given twice', () => {
    expect(() => nb.sum(m(), { axis: 1, keep_dims: true } as nb.ReduceOptions)).toThrow(
      "sum: unknown option 'keep_dims'; did you mean 'keepDims'?",
    );
    expect(() => nb.mean(m(), 1, 'true' as unknown as boolean)).toThrow("mean: argument 'keepDims' must be a boolean, got 'true' (string)");
    expect(() => nb.max(m(), { axis: 1 }, true)).toThrow('max: keepDims true (boolean) given both in the options object and after it');
  });
});

describe('matmul takes TF.js positional transpose flags or options', () => {
  const a = () =>
    nb.tensor([
      [1, 2],
      [3, 4],
    ]);
  const b = () =>
    nb.tensor([
      [5, 6],
      [7, 8],
    ]);
  test('positional flags, method and options agree', async () => {
    // tf.matMul(a, b, false, true) [[17,23],[39,53]]; tf.matMul(a, b, true, false) [[26,30],[38,44]]
    expect(await nb.matmul(a(), b(), false, true).array()).toEqual([
      [17, 23],
      [39, 53],
    ]);
    expect(await a().matmul(b(), false, true).array()).toEqual([
      [17, 23],
      [39, 53],
    ]);
    expect(await nb.matmul(a(), b(), { transposeB: true }).array()).toEqual([
      [17, 23],
      [39, 53],
    ]);
    expect(await nb.matmul(a(), b(), true, false).array()).toEqual([
      [26, 30],
      [38, 44],
    ]);
    expect(await a().matmul(b(), { transposeA: true }).array()).toEqual([
      [26, 30],
      [38, 44],
    ]);
  });
  test('flags are checked', () => {
    expect(() => nb.matmul(a(), b(), 'yes' as unknown as boolean)).toThrow(
      "matmul: argument 'transposeA' must be a boolean, got 'yes' (string)",
    );
    expect(() => nb.matmul(a(), b(), { transposeB: true }, true)).toThrow(
      'matmul: transposeB true (boolean) given after an options object',
    );
    expect(() => nb.matmul(a(), b(), { transpose_b: true } as nb.MatMulOptions)).toThrow(
      "matmul: unknown option 'transpose_b'; did you mean 'transposeB'?",
    );
  });
});

describe('JavaScript numbers are weakly typed: never truncated into an int32 tensor', () => {
  test('a fraction beside an int32 tensor gives float32 (TF.js answers)', async () => {
    // int32 [1,2,3].mul(0.5) float32 [0.5,1,1.5]; .add(1.5) float32 [2.5,3.5,4.5]; [4,9,16].pow(0.5) float32 [2,3,4]
    const mulled = int([1, 2, 3]).mul(0.5);
    expect(mulled.dtype).toBe('float32');
    expect(await mulled.array()).toEqual([0.5, 1, 1.5]);
    const added = int([1, 2, 3]).add(1.5);
    expect(added.dtype).toBe('float32');
    expect(await added.array()).toEqual([2.5, 3.5, 4.5]);
    const rooted = int([4, 9, 16]).pow(0.5);
    expect(rooted.dtype).toBe('float32');
    expect(await rooted.array()).toEqual([2, 3, 4]);
    expect(await nb.sub(0.5, int([1, 2, 3])).array()).toEqual([-0.5, -1.5, -2.5]);
    // tf: int32 [1,2,3].maximum(1.5) float32 [1.5,2,3]
    expect(await int([1, 2, 3]).maximum(1.5).array()).toEqual([1.5, 2, 3]);
    // tf: int32 [1,2,3].pow(-1) float32 [1,0.5,0.33333]
    const inverse = int([1, 2, 3]).pow(-1);
    expect(inverse.dtype).toBe('float32');
    expectClose(await inverse.data(), [1, 0.5, 1 / 3], 1e-6);
  });

  test('comparisons with a fraction compare as floats', async () => {
    // tf: int32 [0,1].less(0.5) [true,false]; .greater(0.5) [false,true]
    expect(await int([0, 1]).less(0.5).array()).toEqual([true, false]);
    expect(await int([0, 1]).greater(0.5).array()).toEqual([false, true]);
    expect(await int([0, 1]).equal(0.5).array()).toEqual([false, false]);
  });

  test('where, clip, arrays, NaN and values outside int32', async () => {
    // tf.where([true,false], int32 [1,2], 0.5) float32 [1,0.5]
    const w = nb.where(nb.tensor([true, false]), int([1, 2]), 0.5);
    expect(w.dtype).toBe('float32');
    expect(await w.array()).toEqual([1, 0.5]);
    const clipped = nb.clip(int([1, 2, 3]), 1.5, 2.5);
    expect(clipped.dtype).toBe('float32');
    expect(await clipped.array()).toEqual([1.5, 2, 2.5]);
    expect(await int([1, 2]).add([0.5, 1]).array()).toEqual([1.5, 3]);
    expect(Number.isNaN((await int([1]).add(Number.NaN).data())[0])).toBe(true);
    expect(int([1]).mul(3e10).dtype).toBe('float32');
  });

  test('a representable number adopts the tensor dtype (JAX weak types)', async () => {
    // TF.js gives float32 [3,4,5] here; the values agree, and the int32 dtype is kept.
    const plus = int([1, 2, 3]).add(2);
    expect(plus.dtype).toBe('int32');
    expect(await plus.array()).toEqual([3, 4, 5]);
    expect(nb.tensor([1], [1], 'float64').mul(0.1).dtype).toBe('float64');
    const counted = nb.tensor([true, false]).add(1);
    expect(counted.dtype).toBe('int32');
    expect(await counted.array()).toEqual([2, 1]);
  });

  test('pad: a fractional value pads an int32 tensor as float32; bool takes 0 or 1', async () => {
    // TF.js truncates here (int32 [0,1,2,3,0]); nabla never truncates a number silently.
    const padded = nb.pad(int([1, 2, 3]), [[1, 1]], 0.5);
    expect(padded.dtype).toBe('float32');
    expect(await padded.array()).toEqual([0.5, 1, 2, 3, 0.5]);
    expect(() => nb.pad(nb.tensor([true]), [[1, 0]], 2)).toThrow('pad: value 2 cannot pad a bool tensor');
  });
});

describe('argMax and argMin reduce axis 0 by default, as TF.js', () => {
  test('function and method agree', async () => {
    // tf.argMax(x) [1,0,1]; tf.argMin(x) [0,1,0]
    expect(await nb.argMax(m()).array()).toEqual([1, 0, 1]);
    expect(await m().argMax().array()).toEqual([1, 0, 1]);
    expect(await nb.argMin(m()).array()).toEqual([0, 1, 0]);
    expect(await m().argMin().array()).toEqual([0, 1, 0]);
    expect(await nb.argMax(nb.tensor([3, 9, 1])).item()).toBe(1);
    expect(() => nb.argMax(nb.scalar(3))).toThrow('argMax: axis 0 is out of range for a tensor of rank 0');
  });
});

describe('errors name the op the user called and what was wrong', () => {
  test('an axis of the wrong type is a type error, not out of range', () => {
    expect(() => nb.sum(m(), '1' as unknown as number)).toThrow("sum: axis must be an integer or a list of integers, got '1' (string)");
    expect(() => m().sum('1' as unknown as number)).toThrow("sum: axis must be an integer or a list of integers, got '1' (string)");
    expect(() => nb.mean(m(), 1.5)).toThrow('mean: axis must be an integer or a list of integers, got 1.5 (number)');
    expect(() => nb.argMax(m(), '1' as unknown as number)).toThrow("argMax: axis must be an integer, got '1' (string)");
    expect(() => nb.softmax(m(), [1] as unknown as number)).toThrow('softmax: axis must be an integer, got [1] (array)');
    expect(() => nb.squeeze(m(), '0' as unknown as number)).toThrow(
      "squeeze: axis must be an integer or a list of integers, got '0' (string)",
    );
    expect(() => nb.reverse(m(), [0, 0])).toThrow('reverse: axis [0,0] repeats an axis');
    expect(() => nb.sum(m(), { axis: '1' } as unknown as nb.ReduceOptions)).toThrow(
      "sum: option 'axis' must be an integer or a list of integers",
    );
  });

  test('an empty axis: min and logSumExp name themselves; softmax of nothing is empty (TF.js)', async () => {
    const empty = nb.zeros([2, 0]);
    expect(() => nb.max(empty, 1)).toThrow('max: cannot reduce over axis 1 of size 0');
    expect(() => nb.min(empty, 1)).toThrow('min: cannot reduce over axis 1 of size 0');
    expect(() => nb.logSumExp(empty, 1)).toThrow('logSumExp: cannot reduce over axis 1 of size 0');
    expect(() => nb.norm(empty, Number.POSITIVE_INFINITY, 1)).toThrow('norm: cannot reduce over axis 1 of size 0');
    // tf.softmax(zeros([2,0])) and tf.logSoftmax: empty results of shape [2,0]
    expect(nb.softmax(empty).shape).toEqual([2, 0]);
    expect(await nb.logSoftmax(empty).array()).toEqual([[], []]);
  });

  test('parameters are checked at run time, not only by their TypeScript types', () => {
    expect(() =>
      nb.pad(
        m(),
        [
          [0, 0],
          [1, 1],
        ],
        'x' as unknown as number,
      ),
    ).toThrow("pad: argument 'value' must be a number, got 'x' (string)");
    expect(() => nb.gelu(m(), 'false' as unknown as boolean)).toThrow(
      "gelu: argument 'approximate' must be a boolean, got 'false' (string)",
    );
    expect(() => m().gelu('false' as unknown as boolean)).toThrow("gelu: argument 'approximate' must be a boolean");
    expect(() => nb.leakyRelu(m(), '0.1' as unknown as number)).toThrow(
      "leakyRelu: argument 'alpha' must be a finite number, got '0.1' (string)",
    );
    expect(() => nb.elu(m(), null as unknown as number)).toThrow("elu: argument 'alpha' must be a finite number, got null");
    expect(() => nb.clip(m(), '0' as unknown as number, 1)).toThrow("clip: argument 'min' must be a number, got '0' (string)");
    // tf.clipByValue(x, 3, 1): "min (3) must be less than or equal to max (1)"
    expect(() => nb.clip(m(), 3, 1)).toThrow('clip: min (3) must be less than or equal to max (1)');
    expect(() => nb.cast(m(), 'float' as nb.DType)).toThrow("cast: unknown dtype 'float'");
    expect(() => nb.oneHot(int([0]), 2, 'hot' as unknown as number)).toThrow(
      "oneHot: argument 'onValue' must be a number, got 'hot' (string)",
    );
    expect(() => nb.transpose(m(), 'rev' as unknown as number[])).toThrow("transpose: argument 'perm' must be a list of integers");
    expect(() => nb.reshape(m(), 6 as unknown as number[])).toThrow('reshape: shape must be a list of integers, got 6 (number)');
    expect(() => nb.concat(m() as unknown as nb.Tensor[])).toThrow('concat: expects a list of tensors, got a Tensor');
  });

  test('a stray argument to a method is an error too (methods forward every argument)', () => {
    const call = (f: () => unknown) => expect(f).toThrow(/takes at most \d+ arguments?, got \d+/);
    call(() => (m().sum as (...a: unknown[]) => nb.Tensor)(1, true, 'extra'));
    call(() => (m().add as (...a: unknown[]) => nb.Tensor)(1, 2));
    call(() => (m().matmul as (...a: unknown[]) => nb.Tensor)(m().transpose(), false, false, 'extra'));
    call(() => (m().flatten as (...a: unknown[]) => nb.Tensor)(1));
    call(() => (m().argMax as (...a: unknown[]) => nb.Tensor)(0, true));
  });
});

describe('composite ops name themselves, not the op they are built from', () => {
  test('bad operands and shapes', () => {
    const notATensor = 'a' as unknown as nb.Tensor;
    expect(() => nb.rsqrt(notATensor)).toThrow(/^rsqrt: /);
    expect(() => nb.relu6(notATensor)).toThrow(/^relu6: /);
    expect(() => nb.selu(notATensor)).toThrow(/^selu: /);
    expect(() => nb.clip(notATensor, 0, 1)).toThrow(/^clip: /);
    expect(() => nb.dot(nb.ones([2]), nb.ones([3]))).toThrow('dot: inner dimensions differ: [2] and [3]');
  });
  test('norm of a bool tensor counts, as sum does', async () => {
    expect(await nb.norm(nb.tensor([true, false, true]), 1).item()).toBe(2);
  });
});
