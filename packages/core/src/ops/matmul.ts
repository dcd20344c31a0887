import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkArg, checkOptions, describe, is } from '../options.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toTensor } from './creation.js';
import * as p from './prims.js';
import { promoteCast } from './promote.js';

export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

const MATMUL_SCHEMA = { transposeA: is.boolean, transposeB: is.boolean };

/** The transpose flags, positional as TensorFlow.js has them (`matmul(a, b, false, true)`) or as options. */
function transposeFlags(transposeA: unknown, transposeB: unknown): [boolean, boolean] {
  if (typeof transposeA === 'object' && transposeA !== null) {
    if (transposeB !== undefined) {
      throw new NablaError(`matmul: transposeB ${describe(transposeB)} given after an options object; put it in the options`);
    }
    const o = checkOptions('matmul', transposeA as MatMulOptions, MATMUL_SCHEMA);
    return [o.transposeA ?? false, o.transposeB ?? false];
  }
  checkArg('matmul', 'transposeA', transposeA, is.boolean);
  checkArg('matmul', 'transposeB', transposeB, is.boolean);
  return [(transposeA as boolean | undefined) ?? false, (transposeB as boolean | undefined) ?? false];
}

/**
 * Matrix product with numpy semantics: 1-D operands become a row (left) or a column (right)
 * and lose that axis again; leading batch axes broadcast. The primitive is rank-3 with equal
 * batches, so the batch axes are broadcast and folded here, once, for every backend.
 * Transposes (of the last two axes) are positional, `matmul(a, b, false, true)` as in
 * TensorFlow.js, or options, `matmul(a, b, { transposeB: true })`.
 */
export const matmul = op(
  'matmul',
  function matmul(a: TensorLike, b: TensorLike, transposeA?: boolean | MatMulOptions, transposeB?: boolean): Tensor {
    const op = 'matmul';
    const [flagA, flagB] = transposeFlags(transposeA, transposeB);
    let [ta, tb] = promoteCast(op, [toTensor(op, a), toTensor(op, b)]);
    if (ta.rank === 0 || tb.rank === 0) {
      throw new NablaError(`${op}: operands must have rank >= 1, got ${fmtShape(ta.shape)} x ${fmtShape(tb.shape)}`);
    }
    const vecA = ta.rank === 1;
    const vecB = tb.rank === 1;
    const tA = !vecA && flagA;
    const tB = !vecB && flagB;
    if (vecA) ta = p.reshape(ta, [1, ta.shape[0]], op);
    if (vecB) tb = p.reshape(tb, [tb.shape[0], 1], op);
    const ka = ta.shape[ta.rank - (tA ? 2 : 1)];
    const kb = tb.shape[tb.rank - (tB ? 1 : 2)];
    if (ka !== kb) {
      throw new NablaError(`${op}: inner dimensions differ: ${fmtShape(ta.shape)} x ${fmtShape(tb.shape)}`);
    }
    if (tb.rank === 2 && ta.rank > 2 && !tA) {
      // A stack of rows times one matrix (a Dense layer on a sequence): one rank-2 product of
      // the rows folded together. Broadcasting b over the batch instead made the gradient of b
      // a batched product plus a sum over the batch (a 9 ms ReduceSum in a Transformer step).
      const rows = ta.shape.slice(0, -1);
      const out2 = p.matmul3(p.reshape(ta, [rows.reduce((x, y) => x * y, 1), ka], op), tb, false, tB, op);
      return p.reshape(out2, [...rows, ...(vecB ? [] : [out2.shape[1]])], op);
    }
    const batch = broadcastShapes(op, ta.shape.slice(0, -2), tb.shape.slice(0, -2));
    if (batch.length === 0) {
      // Plain matrices: the rank-2 primitive, no folding.
      const out2 = p.matmul3(ta, tb, tA, tB, op);
      return p.reshape(out2, [...(vecA ? [] : [out2.shape[0]]), ...(vecB ? [] : [out2.shape[1]])], op);
    }
    const nb = batch.reduce((x, y) => x * y, 1);
    const fold = (t: Tensor) => {
      const full = [...batch, ...t.shape.slice(-2)];
      const lifted = p.reshape(t, [...new Array(full.length - t.rank).fill(1), ...t.shape], op);
      return p.reshape(p.expand(lifted, full, op), [nb, ...t.shape.slice(-2)], op);
    };
    const out = p.matmul3(fold(ta), fold(tb), tA, tB, op);
    const m = out.shape[1];
    const n = out.shape[2];
    const shape = [...batch, ...(vecA ? [] : [m]), ...(vecB ? [] : [n])];
    return p.reshape(out, shape, op);
  },
  4,
);

/** Dot product of vectors, or matmul for matrices (TensorFlow.js's dot). */
export const dot = op(
  'dot',
  function dot(a: TensorLike, b: TensorLike): Tensor {
    const ta = toTensor('dot', a);
    const tb = toTensor('dot', b);
    if (ta.rank > 2 || tb.rank > 2 || ta.rank === 0 || tb.rank === 0) {
      throw new NablaError(`dot: operands must be vectors or matrices, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
    }
    if (ta.shape[ta.rank - 1] !== tb.shape[0]) {
      throw new NablaError(`dot: inner dimensions differ: ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
    }
    return matmul(ta, tb);
  },
  2,
);
