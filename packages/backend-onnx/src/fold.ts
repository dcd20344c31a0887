import { type DType, type GraphNode, sizeOf } from '@nabla/core';

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

const BINARY: Partial<Record<string, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};
const UNARY: Partial<Record<string, (a: number) => number>> = { neg: (a) => -a, sqrt: Math.sqrt };

const isFloat = (d: DType) => d === 'float32' || d === 'float64';

/** The node's value, if it is a foldable op of known operands; undefined otherwise. */
export function fold(node: GraphNode, operands: (Known | undefined)[]): Known | undefined {
  if (!operands.every((o) => o !== undefined) || !isFloat(node.dtype) || sizeOf(node.shape) > FOLD_LIMIT) return undefined;
  const ins = operands as Known[];
  const round = node.dtype === 'float32' ? Math.fround : (v: number) => v;
  const make = (f: (at: (k: number, i: number) => number, i: number) => number): Known => {
    const readers = ins.map((o) => broadcastReader(o.shape, node.shape));
    const data = new Float64Array(sizeOf(node.shape));
    for (let i = 0; i < data.length; i++) data[i] = round(f((k, j) => ins[k].data[readers[k](j)], i));
    return { dtype: node.dtype, shape: node.shape, data };
  };
  switch (node.op) {
    case 'binary': {
      const f = BINARY[node.attrs.fn];
      if (!f || !ins.every((o) => o.dtype === node.dtype)) return undefined;
      return make((at, i) => f(at(0, i), at(1, i)));
    }
    case 'unary': {
      const f = UNARY[node.attrs.fn];
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

/** Maps a flat index of `out` to the flat index of the operand of `shape` that broadcasts to it. */
function broadcastReader(shape: readonly number[], out: readonly number[]): (i: number) => number {
  if (sizeOf(shape) === sizeOf(out)) return (i) => i;
  if (sizeOf(shape) === 1) return () => 0;
  const rank = out.length;
  const padded = [...Array<number>(rank - shape.length).fill(1), ...shape];
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  return (i) => {
    let at = 0;
    for (let d = rank - 1; d >= 0; d--) {
      at += (i % out[d]) * strides[d];
      i = Math.floor(i / out[d]);
    }
    return at;
  };
}
