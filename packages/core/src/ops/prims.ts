import { type DType, isFloat } from '../dtype.js';
import { makeNode } from '../engine/node.js';
import { fmtShape, NablaError } from '../errors.js';
import type { BinaryOp, IndexCheck, ReduceOp, UnaryOp } from '../primitives.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * One constructor per primitive: checks operands, infers the output's shape and dtype, and
 * records the node. Public ops and gradient rules are built from these.
 */

const FLOAT_ONLY = new Set<UnaryOp>(['exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf']);

export function unary(fn: UnaryOp, x: Tensor, label: string = fn): Tensor {
  if (fn === 'logicalNot') {
    if (x.dtype !== 'bool') throw new NablaError(`${label}: expects a bool tensor, got ${x.dtype}`);
    return makeNode(label, 'unary', [x], { fn }, x.shape, 'bool');
  }
  if (fn === 'isNaN' || fn === 'isFinite') {
    if (!isFloat(x.dtype)) throw new NablaError(`${label}: expects a float tensor, got ${x.dtype}`);
    return makeNode(label, 'unary', [x], { fn }, x.shape, 'bool');
  }
  if (x.dtype === 'bool') throw new NablaError(`${label}: expects a numeric tensor, got bool`);
  if (FLOAT_ONLY.has(fn) && !isFloat(x.dtype)) throw new NablaError(`${label}: expects a float tensor, got ${x.dtype}`);
  return makeNode(label, 'unary', [x], { fn }, x.shape, x.dtype);
}

const COMPARISONS = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);

export function binary(fn: BinaryOp, a: Tensor, b: Tensor, label: string = fn): Tensor {
  const shape = broadcastShapes(label, a.shape, b.shape);
  if (a.dtype !== b.dtype) {
    throw new NablaError(`${label}: dtypes differ: ${a.dtype} and ${b.dtype}; cast one first`);
  }
  if (fn === 'logicalAnd' || fn === 'logicalOr') {
    if (a.dtype !== 'bool') throw new NablaError(`${label}: expects bool tensors, got ${a.dtype}`);
    return makeNode(label, 'binary', [a, b], { fn }, shape, 'bool');
  }
  if (COMPARISONS.has(fn)) return makeNode(label, 'binary', [a, b], { fn }, shape, 'bool');
  if (a.dtype === 'bool') throw new NablaError(`${label}: expects numeric tensors, got bool`);
  return makeNode(label, 'binary', [a, b], { fn }, shape, a.dtype);
}

export function where(cond: Tensor, a: Tensor, b: Tensor, label = 'where'): Tensor {
  if (cond.dtype !== 'bool') throw new NablaError(`${label}: condition must be bool, got ${cond.dtype}`);
  if (a.dtype !== b.dtype) throw new NablaError(`${label}: dtypes differ: ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(label, cond.shape, a.shape, b.shape);
  return makeNode(label, 'where', [cond, a, b], {}, shape, a.dtype);
}

export function cast(x: Tensor, dtype: DType, label = 'cast'): Tensor {
  if (x.dtype === dtype) return x;
  return makeNode(label, 'cast', [x], { dtype }, x.shape, dtype);
}

/** Reduces over sorted, distinct axes, keeping them as size 1. */
export function reduce(fn: ReduceOp, x: Tensor, axes: number[], label: string = fn): Tensor {
  if (x.dtype === 'bool') throw new NablaError(`${label}: expects a numeric tensor, got bool`);
  if (fn === 'max') {
    for (const a of axes) {
      if (x.shape[a] === 0) throw new NablaError(`${label}: cannot reduce over axis ${a} of size 0 in ${fmtShape(x.shape)}`);
    }
  }
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return makeNode(label, 'reduce', [x], { fn, axes }, shape, x.dtype);
}

export function argMax(x: Tensor, axis: number, label = 'argMax'): Tensor {
  if (x.dtype === 'bool') throw new NablaError(`${label}: expects a numeric tensor, got bool`);
  if (x.shape[axis] === 0) throw new NablaError(`${label}: axis ${axis} of ${fmtShape(x.shape)} is empty`);
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d));
  return makeNode(label, 'argMax', [x], { axis }, shape, 'int32');
}

/**
 * [M,K] x [K,N] -> [M,N], or batched [B,M,K] x [B,K,N] -> [B,M,N] (equal ranks, equal batch);
 * either side may be transposed in its last two axes. Rank 2 needs no batch reshapes around it,
 * which a runtime with a cost per node (onnxruntime) notices.
 */
export function matmul3(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, label = 'matmul'): Tensor {
  const rank = a.rank;
  if (rank !== b.rank || (rank !== 2 && rank !== 3)) {
    throw new NablaError(
      `${label}: the primitive takes two rank-2 or two rank-3 operands, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
    );
  }
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, ka] = transposeA ? [ca, ra] : [ra, ca];
  const [kb, n] = transposeB ? [cb, rb] : [rb, cb];
  if (ka !== kb) throw new NablaError(`${label}: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  if (rank === 3 && a.shape[0] !== b.shape[0])
    throw new NablaError(`${label}: batch sizes differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  if (a.dtype !== b.dtype) throw new NablaError(`${label}: dtypes differ: ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 'bool') throw new NablaError(`${label}: expects numeric tensors, got bool`);
  return makeNode(label, 'matmul', [a, b], { transposeA, transposeB }, rank === 3 ? [a.shape[0], m, n] : [m, n], a.dtype);
}

export function reshape(x: Tensor, shape: number[], label = 'reshape'): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (sizeOf(shape) !== x.size) {
    throw new NablaError(`${label}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  }
  return makeNode(label, 'reshape', [x], { shape }, shape, x.dtype);
}

export function transpose(x: Tensor, perm: number[], label = 'transpose'): Tensor {
  if (perm.every((p, i) => p === i)) return x;
  return makeNode(
    label,
    'transpose',
    [x],
    { perm },
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
}

/** Same rank: each dim of x is 1 or equal to the target's. */
export function expand(x: Tensor, shape: number[], label = 'broadcastTo'): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (x.rank !== shape.length || x.shape.some((d, i) => d !== 1 && d !== shape[i])) {
    throw new NablaError(`${label}: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  return makeNode(label, 'expand', [x], { shape }, shape, x.dtype);
}

export function slice(x: Tensor, begin: number[], size: number[], label = 'slice'): Tensor {
  if (size.every((s, i) => s === x.shape[i])) return x;
  return makeNode(label, 'slice', [x], { begin, size }, size, x.dtype);
}

export function pad(x: Tensor, pads: [number, number][], value: number, label = 'pad'): Tensor {
  if (pads.every(([a, b]) => a === 0 && b === 0)) return x;
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  return makeNode(label, 'pad', [x], { pads, value }, shape, x.dtype);
}

export function concat(xs: Tensor[], axis: number, label = 'concat'): Tensor {
  if (xs.length === 1) return xs[0];
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  return makeNode(label, 'concat', xs, { axis }, shape, xs[0].dtype);
}

/**
 * `check` words an out-of-range index in the public op's terms (see IndexCheck); by default
 * `${label}: index ... is out of range for axis a of size n`.
 */
export function gather(x: Tensor, indices: Tensor, axis: number, label = 'gather', check?: IndexCheck): Tensor {
  if (indices.dtype !== 'int32') throw new NablaError(`${label}: indices must be int32, got ${indices.dtype}`);
  checkBlock(label, check, indices, x.shape[axis]);
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  return makeNode(label, 'gather', [x, indices], { axis, check: check ?? defaultCheck(label, axis, x.shape[axis]) }, shape, x.dtype);
}

export function scatterAdd(
  updates: Tensor,
  indices: Tensor,
  axis: number,
  shape: number[],
  label = 'scatterAdd',
  check?: IndexCheck,
): Tensor {
  if (indices.dtype !== 'int32') throw new NablaError(`${label}: indices must be int32, got ${indices.dtype}`);
  checkBlock(label, check, indices, shape[axis]);
  return makeNode(
    label,
    'scatterAdd',
    [updates, indices],
    { axis, shape, check: check ?? defaultCheck(label, axis, shape[axis]) },
    shape,
    updates.dtype,
  );
}

function defaultCheck(label: string, axis: number, n: number): IndexCheck {
  return { op: label, what: 'index', range: `axis ${axis} of size ${n}` };
}

/** Blocks address rows of a flattened [k, block] axis: one index per block, all inside the axis. */
function checkBlock(label: string, check: IndexCheck | undefined, indices: Tensor, n: number): void {
  const block = check?.block;
  if (block === undefined) return;
  if (!Number.isInteger(block) || block < 0 || indices.size * block > n) {
    throw new NablaError(`${label}: ${indices.size} blocks of ${block} do not fit an axis of size ${n}`);
  }
}

/** `counter` is int32 [key0, key1, offset0, offset1] (see primitives.ts). */
export function random(shape: number[], counter: Tensor, label = 'random'): Tensor {
  if (counter.dtype !== 'int32' || counter.rank !== 1 || counter.shape[0] !== 4) {
    throw new NablaError(`${label}: the counter must be int32 of shape [4], got ${counter.dtype} ${fmtShape(counter.shape)}`);
  }
  return makeNode(label, 'random', [counter], { shape }, shape, 'float32');
}
