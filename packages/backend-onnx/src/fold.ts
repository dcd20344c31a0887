import { type BinaryOp, broadcastStrides, type DType, type GraphNode, isFloat, sizeOf, stridedOffsets, type UnaryOp } from '@nabla/core';

/**
 * Constant folding while lowering: a node whose operands are all known constants becomes a
 * constant. onnxruntime folds them too, but only at its 'basic' optimization level, whose other
 * passes find nothing in nabla's graphs and make creating a small session about 40% slower
 * (the seed step: 1.23 against 0.88 ms, timed in a scratch script); so small graphs are created
 * at 'disabled' and fold here. A training step has such chains: a mean's gradient is 1/n spread over the batch
 * and scaled by 2 for a square, all before any input is read.
 *
 * Only ops whose host result is exactly onnxruntime's are folded: float +, -, *, / and sqrt
 * computed in float64 and rounded once to float32 are correctly rounded, as IEEE float32
 * arithmetic is; neg, casts between floats, reshapes and broadcasts move or round values only.
 */
export interface Known {
  dtype: DType;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Folding stops at this many elements: a broadcast must not become a large initializer. */
const FOLD_LIMIT = 4096;

/** The foldable functions: the others are left to onnxruntime. */
const BINARY: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};
const UNARY: Partial<Record<UnaryOp, (a: number) => number>> = { neg: (a) => -a, sqrt: Math.sqrt };

/** The table's function for fn, if it has one of its own (not an Object property such as 'constructor'). */
const entry = <T>(table: Partial<Record<string, T>>, fn: string): T | undefined => (Object.hasOwn(table, fn) ? table[fn] : undefined);

/**
 * The node's value, if it is a foldable op of known operands, or has no elements whatever its
 * operands (onnxruntime's WebGPU reductions reject empty operands); undefined otherwise.
 */
export function fold(node: GraphNode, operands: (Known | undefined)[]): Known | undefined {
  if (sizeOf(node.shape) === 0) return { dtype: node.dtype, shape: node.shape, data: [] };
  if (!operands.every((o) => o !== undefined) || !isFloat(node.dtype) || sizeOf(node.shape) > FOLD_LIMIT) return undefined;
  const ins = operands as Known[];
  const round = node.dtype === 'float32' ? Math.fround : (v: number) => v;
  const make = (f: (at: (k: number, i: number) => number, i: number) => number): Known => {
    // Per operand, the element each output element reads.
    const offsets = ins.map((o) => stridedOffsets(node.shape, broadcastStrides(o.shape, node.shape)));
    const data = new Float64Array(sizeOf(node.shape));
    for (let i = 0; i < data.length; i++) data[i] = round(f((k, j) => ins[k].data[offsets[k][j]], i));
    return { dtype: node.dtype, shape: node.shape, data };
  };
  switch (node.op) {
    case 'binary': {
      const f = entry(BINARY, node.attrs.fn);
      if (!f || !ins.every((o) => o.dtype === node.dtype)) return undefined;
      return make((at, i) => f(at(0, i), at(1, i)));
    }
    case 'unary': {
      const f = entry(UNARY, node.attrs.fn);
      return f && ins[0].dtype === node.dtype ? make((at, i) => f(at(0, i))) : undefined;
    }
    case 'cast':
      return isFloat(ins[0].dtype) ? make((at, i) => at(0, i)) : undefined;
    case 'expand':
      return make((at, i) => at(0, i));
    case 'reshape':
      return { dtype: node.dtype, shape: node.shape, data: ins[0].data };
    default:
      return undefined;
  }
}
