import type { DType, ReduceOp, TypedArray } from '@nabla/core';
import { NablaError, stridedOffsets, stridesOf } from '@nabla/core';

/**
 * Reductions. The input is walked in output order with the reduced axes moved innermost, so
 * each output element is one accumulation loop over a precomputed list of offsets; the
 * accumulator is a double, which keeps float32 sums accurate over long axes.
 */
const INIT: Record<ReduceOp, number> = { sum: 0, max: Number.NEGATIVE_INFINITY, prod: 1 };

interface ReducePlan {
  /** Offset in the input of each output element's first contributor. */
  starts: Int32Array;
  /** Offsets, relative to the start, of all contributors of one output element. */
  members: Int32Array;
}

function planReduce(shape: readonly number[], axes: readonly number[]): ReducePlan {
  const strides = stridesOf(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => shape[i]);
  return {
    starts: stridedOffsets(
      outShape,
      kept.map((i) => strides[i]),
    ),
    members: stridedOffsets(
      axes.map((i) => shape[i]),
      axes.map((i) => strides[i]),
    ),
  };
}

export function reduceKernel(fn: ReduceOp, shape: readonly number[], axes: readonly number[], dtype: DType) {
  const { starts, members } = planReduce(shape, axes);
  if (!Object.hasOwn(INIT, fn)) noReduction(fn as never);
  const init = INIT[fn];
  const m = members.length;
  // Reducing trailing axes: contributors are consecutive, so skip the offset table.
  const contiguous = members.every((v, j) => v === j);
  // int32 sums and products wrap modulo 2^32, as int32 add and mul do, whatever the length:
  // a double accumulator would lose their low bits past 2^53.
  const intSum = fn === 'sum' && dtype === 'int32';
  const intProd = fn === 'prod' && dtype === 'int32';
  return (ins: TypedArray[], out: TypedArray) => {
    const x = ins[0];
    for (let o = 0; o < starts.length; o++) {
      const base = starts[o];
      let acc = init;
      if (intSum) for (let j = 0; j < m; j++) acc = (acc + x[base + members[j]]) | 0;
      else if (fn === 'sum' && contiguous) for (let j = base; j < base + m; j++) acc += x[j];
      else if (fn === 'sum') for (let j = 0; j < m; j++) acc += x[base + members[j]];
      else if (intProd) for (let j = 0; j < m; j++) acc = Math.imul(acc, x[base + members[j]]);
      else if (fn === 'prod') for (let j = 0; j < m; j++) acc *= x[base + members[j]];
      else if (fn === 'max') {
        // A NaN anywhere makes the max NaN (NumPy's np.max); the first one ends the loop.
        for (let j = 0; j < m; j++) {
          const v = x[base + members[j]];
          if (v > acc || v !== v) {
            acc = v;
            if (v !== v) break;
          }
        }
      } else noReduction(fn);
      out[o] = acc;
    }
  };
}

/** Every reduction has a branch above (fn is `never` there): one added to core without a kernel fails to compile. */
function noReduction(fn: never): never {
  throw new NablaError(`cpu: no kernel for reduction '${fn as string}'`);
}

/** Index of the first maximum along one axis; a NaN counts as the maximum, as in numpy. */
export function argMaxKernel(shape: readonly number[], axis: number) {
  const { starts } = planReduce(shape, [axis]);
  const n = shape[axis];
  const step = stridesOf(shape)[axis];
  return (ins: TypedArray[], out: TypedArray) => {
    const x = ins[0];
    for (let o = 0; o < starts.length; o++) {
      const base = starts[o];
      let best = x[base];
      let at = 0;
      for (let j = 1; j < n && best === best; j++) {
        const v = x[base + j * step];
        if (v > best || v !== v) {
          best = v;
          at = j;
        }
      }
      out[o] = at;
    }
  };
}
