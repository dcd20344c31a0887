import { type SpecCase, spec, t } from './spec.js';

/**
 * int32 arithmetic and casts, as nabla defines them (docs/architecture.md, "NaN, integer and
 * empty-tensor semantics"):
 *
 * - int32 add, sub, mul, neg, abs, sum, prod and pow wrap modulo 2^32 (two's complement), as
 *   NumPy, TensorFlow and WGSL do: every value below is NumPy 2's answer for int32 arrays.
 * - A float cast to int32 truncates toward zero and saturates to [-2^31, 2^31 - 1]; NaN becomes 0
 *   (WGSL, Rust's `as`, Java; NumPy leaves out-of-range casts undefined, -2^31 on x86).
 * - int32 to float32 rounds to nearest, ties to even (NumPy's astype).
 * - Dividing int32 by int32 is true division, in float32 (NumPy's `/`).
 * - A negative integer exponent gives the truncated real result: 1 ** -n = 1, (-1) ** -n = +-1,
 *   any other base 0 (NumPy raises instead; a backend cannot raise from inside a kernel).
 */

const MIN = -(2 ** 31);
const MAX = 2 ** 31 - 1;
const NaN = Number.NaN;
const Inf = Number.POSITIVE_INFINITY;
const i32 = (data: number[], shape: number[] = [data.length]) => t(data, shape, 'int32');

function arithmetic(): SpecCase[] {
  return [
    spec('integers', 'add wraps', 'add', {}, [i32([MAX, MIN, 5]), i32([1, -1, 7])], i32([MIN, MAX, 12])),
    spec('integers', 'sub wraps', 'sub', {}, [i32([MIN, MAX]), i32([1, -1])], i32([MAX, MIN])),
    // 65536^2 = 2^32, 123456789 * 100 and 46341^2 pass 2^31; -2^31 * -1 is -2^31 again.
    spec(
      'integers',
      'mul wraps',
      'mul',
      {},
      [i32([65536, 123456789, MIN, 46341]), i32([65536, 100, -1, 46341])],
      i32([0, -539222988, MIN, -2147479015]),
    ),
    spec('integers', 'neg of -2^31 is -2^31', 'neg', {}, [i32([MIN, MAX, 0])], i32([MIN, -MAX, 0])),
    spec('integers', 'abs of -2^31 is -2^31', 'abs', {}, [i32([MIN, -5, MAX])], i32([MIN, 5, MAX])),
    // 3^21, 3^40 and 7^0 exactly, modulo 2^32; 2^32 wraps to 0.
    spec(
      'integers',
      'pow wraps',
      'pow',
      {},
      [i32([2, 3, 2, -2, 3, 7, 0, 5]), i32([31, 21, 32, 31, 40, 0, 0, 3])],
      i32([MIN, 1870418611, 0, MIN, 689956897, 1, 1, 125]),
    ),
    spec(
      'integers',
      'pow with negative exponents',
      'pow',
      {},
      [i32([1, -1, -1, 2, 0, -3]), i32([-5, -3, -4, -1, -2, -1])],
      i32([1, -1, 1, 0, 0, 0]),
    ),
    spec('integers', 'floor of int32 is itself', 'floor', {}, [i32([MIN, -3, 4, MAX])], i32([MIN, -3, 4, MAX])),
    spec('integers', 'sign of -2^31 is -1', 'sign', {}, [i32([MIN, 0, MAX])], i32([-1, 0, 1])),
    // Sums of products wrap too: (2^31 - 1)^2 * 2 is 2 modulo 2^32, which a double cannot hold.
    spec(
      'integers',
      'matmul wraps',
      'matmul',
      {},
      [i32([65536, 3, 123456789, 7], [2, 2]), i32([65536, 5, 100, 9], [2, 2])],
      i32([300, 327707, -854261060, 617284008], [2, 2]),
    ),
    spec(
      'integers',
      'matmul^T wraps',
      'matmul',
      { transposeA: true },
      [i32([65536, 3, 123456789, 7], [2, 2]), i32([65536, 5, 100, 9], [2, 2])],
      i32([-539222988, 1111438781, 197308, 78], [2, 2]),
    ),
    spec(
      'integers',
      'matmul keeps the low bits past 2^53',
      'matmul',
      { transposeB: true },
      [i32([MAX, MAX], [1, 2]), i32([MAX, MAX], [1, 2])],
      i32([2], [1, 1]),
    ),
    spec('integers', 'div is true division', 'div', {}, [i32([7, -7, 1, 0, MAX]), i32([2, 2, 0, 0, -1])], t([3.5, -3.5, Inf, NaN, -MAX])),
  ];
}

function reductions(): SpecCase[] {
  const all = { axis: null };
  return [
    spec('integers', 'sum wraps', 'sum', all, [i32([MAX, 1, MAX, 5])], i32([4], [])),
    spec('integers', 'sum [2,3] axis 1 wraps', 'sum', { axis: 1 }, [i32([MAX, MAX, 2, MIN, -1, 3], [2, 3])], i32([0, MIN + 2], [2])),
    spec('integers', 'prod wraps', 'prod', all, [i32([65536, 65536, 3])], i32([0], [])),
    // Past 2^53 a double loses the low bits: 59049^2 * 7 * 3 * 11 modulo 2^32.
    spec('integers', 'prod keeps the low bits past 2^53', 'prod', all, [i32([59049, 59049, 7, 3, 11])], i32([-2006655017], [])),
    spec('integers', 'prod [3,2] axis 0 wraps', 'prod', { axis: 0 }, [i32([65536, 3, 65536, -5, 2, 7], [3, 2])], i32([0, -105], [2])),
    spec('integers', 'max with the extremes', 'max', all, [i32([MIN, 5, MAX, -1])], i32([MAX], [])),
    spec('integers', 'min with the extremes', 'min', all, [i32([5, MIN, MAX, -1])], i32([MIN], [])),
    spec('integers', 'min [2,2] axis 1 with -2^31', 'min', { axis: 1 }, [i32([MIN, 0, 7, MAX], [2, 2])], i32([MIN, 7], [2])),
    spec('integers', 'argMin finds -2^31', 'argMin', { axis: 0 }, [i32([5, MIN, 7, MIN])], i32([1], [])),
    spec('integers', 'argMax finds 2^31 - 1', 'argMax', { axis: 0 }, [i32([MIN, MAX, 7, MAX])], i32([1], [])),
  ];
}

function casts(): SpecCase[] {
  const toInt = { dtype: 'int32' };
  return [
    spec(
      'integers',
      'cast float32 to int32 truncates and saturates, NaN to 0',
      'cast',
      toInt,
      [t([3e10, -3e10, NaN, Inf, -Inf, -0.5, 2.5, -2.7, 0.9999, 2147483520, MIN])],
      i32([MAX, MIN, 0, MAX, MIN, 0, 2, -2, 0, 2147483520, MIN]),
    ),
    spec(
      'integers',
      'cast float64 to int32 truncates and saturates, NaN to 0',
      'cast',
      toInt,
      [t([2147483647.9, -2147483648.9, 2147483648, -2147483649, 3e10, NaN, -1.5, -Inf], [8], 'float64')],
      i32([MAX, MIN, MAX, MIN, MAX, 0, -1, MIN]),
    ),
    // float32 has 24 bits: 2^24 + 1 rounds to 2^24 (a tie, to even), 2^24 + 3 to 2^24 + 4.
    spec(
      'integers',
      'cast int32 to float32 rounds to nearest even',
      'cast',
      { dtype: 'float32' },
      [i32([16777217, 16777219, MAX, MIN, -16777219])],
      t([16777216, 16777220, 2147483648, MIN, -16777220]),
    ),
    spec(
      'integers',
      'cast int32 to float64 is exact',
      'cast',
      { dtype: 'float64' },
      [i32([16777217, MAX, MIN])],
      t([16777217, MAX, MIN], [3], 'float64'),
    ),
    spec(
      'integers',
      'cast float32 to bool: NaN is true, -0 false',
      'cast',
      { dtype: 'bool' },
      [t([NaN, -0, 0.5, -Inf])],
      t([1, 0, 1, 1], [4], 'bool'),
    ),
  ];
}

export function integerCases(): SpecCase[] {
  return [...arithmetic(), ...reductions(), ...casts()];
}
