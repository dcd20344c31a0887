import { type DType, isFloat, NablaError, type ReduceOp, shapesEqual, sizeOf } from '@nabla/core';
import type { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * Lowerings that give onnxruntime nabla's NaN and int32 semantics (docs/architecture.md,
 * "NaN and integer semantics"), where its own kernels answer otherwise:
 *
 * - ReduceMax sees a NaN only when it comes first, and ArgMax ignores NaNs or not depending on the
 *   layout; nabla's max is NaN when any element is, and argMax is the index of the first NaN.
 * - ReduceSum and ReduceProd of int32 (and of int64) saturate; nabla's int32 sums and products
 *   wrap modulo 2^32, as int32 Add and Mul do in onnxruntime.
 * - Cast of an out-of-range float or NaN to int32 gives -2^31 on onnxruntime-node and saturates on
 *   onnxruntime-web; nabla truncates toward zero, saturates, and maps NaN to 0.
 * - Pow of int32 goes through a double and saturates; nabla's is exact and wraps.
 */

export interface ReduceOperand {
  value: string;
  dtype: DType;
  /** The operand's shape; with `axes` undefined any shape of the same elements will do. */
  shape: readonly number[];
  /** The axes reduced, or undefined for all of them. */
  axes?: readonly number[];
  /** The result's shape (the operand's with reduced axes kept as 1). */
  outShape: readonly number[];
}

/** A sum, max or product with kept dimensions, in nabla's semantics. */
export function lowerReduction(b: OnnxGraphBuilder, fn: ReduceOp, x: ReduceOperand): string {
  const keep = { keepdims: { int: 1 } };
  const reduce = (op: string, v: string) => b.op(op, x.axes ? [v, b.int64s([...x.axes])] : [v], keep);
  switch (fn) {
    case 'max': {
      const m = reduce('ReduceMax', x.value);
      if (!isFloat(x.dtype)) return m;
      // NaN wherever a NaN was reduced: three nodes (onnxruntime's ReduceMax takes bools).
      const anyNaN = reduce('ReduceMax', b.op('IsNaN', [x.value]));
      return b.op('Where', [anyNaN, b.scalar(x.dtype, Number.NaN), m]);
    }
    case 'sum':
      if (x.dtype !== 'int32') return reduce('ReduceSum', x.value);
      // int64 sums of int32 values are exact; Cast to int32 keeps the low 32 bits (wraps).
      return b.cast(reduce('ReduceSum', b.cast(x.value, 'int64')), 'int32');
    case 'prod':
      return x.dtype === 'int32' ? intProduct(b, x) : reduce('ReduceProd', x.value);
    default:
      return unknownReduction(fn);
  }
}

/** Every reduction has a case above (fn is `never` here): one added to core without a lowering fails to compile. */
function unknownReduction(fn: never): never {
  throw new NablaError(`onnx: no lowering for reduction '${fn as string}'`);
}

/**
 * An int32 product as a tree of Mul (which wraps): the reduced axes are moved last and flattened,
 * then halved until one element is left, an odd length padded with a 1.
 */
function intProduct(b: OnnxGraphBuilder, x: ReduceOperand): string {
  const axes = x.axes ?? x.shape.map((_, i) => i);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = sizeOf(axes.map((a) => x.shape[a]));
  if (n === 0) {
    return b.op('ConstantOfShape', [b.int64s([...x.outShape])], { value: { tensor: { type: 'int32', shape: [1], data: [1] } } });
  }
  const perm = [...kept, ...axes];
  const moved = x.axes && perm.some((p, i) => p !== i);
  let v = moved ? b.op('Transpose', [x.value], { perm: { ints: perm } }) : x.value;
  const keptShape = kept.map((i) => x.shape[i]);
  v = reshapeTo(b, v, moved ? perm.map((i) => x.shape[i]) : x.shape, [...keptShape, n]);
  const one = b.scalar('int32', 1);
  for (let len = n; len > 1; ) {
    if (len % 2 === 1) {
      const pads = [...Array<number>(keptShape.length + 1).fill(0), ...Array<number>(keptShape.length).fill(0), 1];
      v = b.op('Pad', [v, b.int64s(pads), one], { mode: { string: 'constant' } });
      len += 1;
    }
    const half = len / 2;
    const lo = b.op('Slice', [v, b.int64s([0]), b.int64s([half]), b.int64s([-1])]);
    const hi = b.op('Slice', [v, b.int64s([half]), b.int64s([len]), b.int64s([-1])]);
    v = b.op('Mul', [lo, hi]);
    len = half;
  }
  return reshapeTo(b, v, [...keptShape, 1], x.outShape);
}

function reshapeTo(b: OnnxGraphBuilder, v: string, from: readonly number[], to: readonly number[]): string {
  return shapesEqual(from, to) ? v : b.reshape(v, to);
}

/** The index (int32, axis kept) of the first largest value, or of the first NaN if there is one. */
export function lowerArgMax(b: OnnxGraphBuilder, x: string, dtype: DType, axis: number): string {
  const attrs = { axis: { int: axis }, keepdims: { int: 1 } };
  const at = b.op('ArgMax', [x], attrs);
  if (!isFloat(dtype)) return b.cast(at, 'int32');
  const nan = b.op('IsNaN', [x]);
  const firstNaN = b.op('ArgMax', [b.cast(nan, 'int32')], attrs);
  const anyNaN = b.op('ReduceMax', [nan, b.int64s([axis])], { keepdims: { int: 1 } });
  return b.cast(b.op('Where', [anyNaN, firstNaN, at]), 'int32');
}

/**
 * Float to int32: truncated toward zero, saturated to [-2^31, 2^31-1], NaN to 0. In float64 both
 * bounds are exact, so Clip then Cast truncates and saturates. NaN passes Clip: a float32 NaN is
 * made 0 first by Shrink with lambd -1 (x for every other value, one node); onnxruntime's double
 * Shrink rounds through float, so a float64 NaN is replaced by IsNaN and Where.
 */
export function lowerCastToInt32(b: OnnxGraphBuilder, x: string, from: DType): string {
  const clip = (v: string) => b.op('Clip', [v, b.scalar('float64', -(2 ** 31)), b.scalar('float64', 2 ** 31 - 1)]);
  if (from === 'float32') {
    const noNaN = b.op('Shrink', [x], { lambd: { float: -1 }, bias: { float: 0 } });
    return b.cast(clip(b.cast(noNaN, 'float64')), 'int32');
  }
  return b.op('Where', [b.op('IsNaN', [x]), b.scalar('int32', 0), b.cast(clip(x), 'int32')]);
}

/**
 * int32 x ** y, exact and wrapping modulo 2^32 (as the CPU backend's, NumPy's and TensorFlow's):
 * square-and-multiply over the exponent's 31 low bits. A negative exponent gives the truncated
 * real result: the same bits give +-1 for x = +-1 (their parity is the exponent's), and 0 is
 * taken for every other x.
 */
export function lowerIntPow(b: OnnxGraphBuilder, x: string, y: string): string {
  const zero = b.scalar('int32', 0);
  let result = b.scalar('int32', 1);
  let base = x;
  for (let k = 0; k < 31; k++) {
    const bit = b.cast(b.op('BitwiseAnd', [y, b.scalar('int32', 2 ** k)]), 'bool');
    result = b.op('Where', [bit, b.op('Mul', [result, base]), result]);
    if (k < 30) base = b.op('Mul', [base, base]);
  }
  const unit = b.op('Equal', [b.op('Abs', [x]), b.scalar('int32', 1)]);
  return b.op('Where', [b.op('Less', [y, zero]), b.op('Where', [unit, result, zero]), result]);
}
