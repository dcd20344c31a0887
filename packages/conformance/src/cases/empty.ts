import * as nb from '@nabla/core';
import type { Case } from '../case.js';
import { errorCase, type SpecCase, spec, t } from './spec.js';

/**
 * Tensors with a zero-size dimension, as nabla defines them (docs/architecture.md, "NaN, integer
 * and empty-tensor semantics"): a reduction over an empty axis is its identity where it has one (sum 0 and prod 1,
 * as NumPy) and mean is 0/0 = NaN (NumPy, with a warning); max, min, logSumExp (whose shift is a
 * max), argMax and argMin have no value to return, so they are errors (NumPy: "zero-size array to
 * reduction operation maximum which has no identity"). Everything else keeps its shape rules.
 */

const NaN = Number.NaN;
const zeros = (shape: number[], dtype: nb.DType = 'float32') => t([], shape, dtype);

function reductions(): SpecCase[] {
  const over0 = { axis: 0 };
  const all = { axis: null };
  return [
    spec('empty', 'sum [0,3] axis 0 is 0', 'sum', over0, [zeros([0, 3])], t([0, 0, 0])),
    spec('empty', 'prod [0,3] axis 0 is 1', 'prod', over0, [zeros([0, 3])], t([1, 1, 1])),
    spec('empty', 'mean [0,3] axis 0 is NaN', 'mean', over0, [zeros([0, 3])], t([NaN, NaN, NaN])),
    spec('empty', 'sum of [0] is 0', 'sum', all, [zeros([0])], t([0], [])),
    spec('empty', 'prod of [0] is 1', 'prod', all, [zeros([0])], t([1], [])),
    spec('empty', 'mean of [0] is NaN', 'mean', all, [zeros([0])], t([NaN], [])),
    spec('empty', 'int32 sum [0,3] axis 0 is 0', 'sum', over0, [zeros([0, 3], 'int32')], t([0, 0, 0], [3], 'int32')),
    spec('empty', 'int32 prod [0,3] axis 0 is 1', 'prod', over0, [zeros([0, 3], 'int32')], t([1, 1, 1], [3], 'int32')),
    // Over a non-empty axis of an empty tensor: an empty result, no error.
    ...['sum', 'prod', 'mean', 'max', 'min', 'logSumExp'].map((fn) =>
      spec('empty', `${fn} [0,3] axis 1 is empty`, fn, { axis: 1 }, [zeros([0, 3])], zeros([0])),
    ),
    ...['argMax', 'argMin'].map((fn) =>
      spec('empty', `${fn} [0,3] axis 1 is empty`, fn, { axis: 1 }, [zeros([0, 3])], zeros([0], 'int32')),
    ),
    spec('empty', 'softmax [2,0] axis 1 is empty', 'softmax', { axis: 1 }, [zeros([2, 0])], zeros([2, 0])),
  ];
}

/** The reductions without an identity: an error on every backend, naming the op called. */
function reductionErrors(): Case[] {
  const x = zeros([0, 3]);
  return [
    errorCase('empty', 'max [0,3] axis 0', 'max', x, (v) => nb.max(v, 0)),
    errorCase('empty', 'min [0,3] axis 0', 'min', x, (v) => nb.min(v, 0)),
    errorCase('empty', 'logSumExp [0,3] axis 0', 'logSumExp', x, (v) => nb.logSumExp(v, 0)),
    errorCase('empty', 'argMax [0,3] axis 0', 'argMax', x, (v) => nb.argMax(v, 0)),
    errorCase('empty', 'argMin [0,3] axis 0', 'argMin', x, (v) => nb.argMin(v, 0)),
    errorCase('empty', 'max of [0]', 'max', zeros([0]), (v) => nb.max(v)),
  ];
}

function shapes(): SpecCase[] {
  return [
    spec('empty', 'add [0,3] + [3]', 'add', {}, [zeros([0, 3]), t([1, 2, 3])], zeros([0, 3])),
    spec('empty', 'exp [0]', 'exp', {}, [zeros([0])], zeros([0])),
    spec('empty', 'maximum [0,2] with a scalar NaN', 'maximum', {}, [zeros([0, 2]), t([NaN], [])], zeros([0, 2])),
    spec('empty', 'cast [0] float32 to int32', 'cast', { dtype: 'int32' }, [zeros([0])], zeros([0], 'int32')),
    spec('empty', 'matmul [2,0] x [0,3] is zeros', 'matmul', {}, [zeros([2, 0]), zeros([0, 3])], t([0, 0, 0, 0, 0, 0], [2, 3])),
    spec('empty', 'matmul [0,2] x [2,3]', 'matmul', {}, [zeros([0, 2]), t([1, 2, 3, 4, 5, 6], [2, 3])], zeros([0, 3])),
    spec('empty', 'matmul [2,3] x [3,0]', 'matmul', {}, [t([1, 2, 3, 4, 5, 6], [2, 3]), zeros([3, 0])], zeros([2, 0])),
    spec(
      'empty',
      'matmul [0,2]^T x [0,3] is zeros',
      'matmul',
      { transposeA: true },
      [zeros([0, 2]), zeros([0, 3])],
      t([0, 0, 0, 0, 0, 0], [2, 3]),
    ),
    spec('empty', 'concat [0,2] and [1,2] on axis 0', 'concat', { axis: 0 }, [zeros([0, 2]), t([7, 8], [1, 2])], t([7, 8], [1, 2])),
    spec('empty', 'concat [2,0] and [2,1] on axis 1', 'concat', { axis: 1 }, [zeros([2, 0]), t([7, 8], [2, 1])], t([7, 8], [2, 1])),
    spec('empty', 'reshape [0,3] to [3,0]', 'reshape', { shape: [3, 0] }, [zeros([0, 3])], zeros([3, 0])),
    spec('empty', 'reshape [0,3] to [0]', 'reshape', { shape: [0] }, [zeros([0, 3])], zeros([0])),
    spec('empty', 'transpose [0,3]', 'transpose', {}, [zeros([0, 3])], zeros([3, 0])),
    spec('empty', 'broadcastTo [1,3] to [0,3]', 'broadcastTo', { shape: [0, 3] }, [t([1, 2, 3], [1, 3])], zeros([0, 3])),
    spec('empty', 'slice of size 0', 'slice', { begin: [1], size: [0] }, [t([1, 2, 3])], zeros([0])),
    spec('empty', 'pad [0] by 1 and 2', 'pad', { paddings: [[1, 2]], value: 5 }, [zeros([0])], t([5, 5, 5])),
  ];
}

export function emptyCases(): SpecCase[] {
  return [...reductions(), ...shapes()];
}

export function emptyErrorCases(): Case[] {
  return reductionErrors();
}
