import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkOptions, is } from '../options.js';
import { shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { arange, type TensorLike, toTensor } from './creation.js';
import { add, mul } from './elementwise.js';
import * as p from './prims.js';

/** How takeAlongLastAxis words an out-of-range index (see IndexCheck in primitives.ts). */
export interface IndexNames {
  /** The public op named in the error; 'takeAlongLastAxis' by default. */
  op?: string;
  /** What one index is to the caller ('label'); 'index' by default. */
  what?: string;
  /** The valid range in the caller's words ('3 classes'); 'axis -1 of size n' by default. */
  range?: string;
  /** The shape positions are reported in, of the same size as the indices (the caller's own tensor). */
  shape?: readonly number[];
}

/** The schema of IndexNames (gather takes them too). */
export const INDEX_NAMES = { op: is.string, what: is.string, range: is.string, shape: is.integers };

/**
 * One entry per row: out[...b] = x[...b, indices[...b]], for x of shape [...batch, n] and int32
 * indices of shape [...batch] (TensorFlow's gather with batch_dims = rank - 1; PyTorch's
 * gather(x, -1, i[..., None]) without the trailing axis). The sparse cross-entropy picks each
 * sample's log-probability with it. An index outside [0, n) is an error when the graph runs, on
 * every backend; `names` words it in the caller's terms.
 */
export const takeAlongLastAxis = op(
  'takeAlongLastAxis',
  function takeAlongLastAxis(x: TensorLike, indices: TensorLike, names?: IndexNames): Tensor {
    const t = toTensor('takeAlongLastAxis', x);
    const idx = toTensor('takeAlongLastAxis', indices, 'int32');
    const opts = checkOptions('takeAlongLastAxis', names, INDEX_NAMES);
    const name = opts.op ?? 'takeAlongLastAxis';
    if (t.rank === 0) throw new NablaError(`${name}: cannot take along the last axis of a scalar`);
    if (idx.dtype !== 'int32') throw new NablaError(`${name}: indices must be int32, got ${idx.dtype}`);
    const lead = t.shape.slice(0, -1);
    if (!shapesEqual(idx.shape, lead)) {
      throw new NablaError(
        `${name}: indices of shape ${fmtShape(idx.shape)} do not match ${fmtShape(t.shape)}: expected ${fmtShape(lead)}`,
      );
    }
    const shape = opts.shape ? [...opts.shape] : [...idx.shape];
    if (sizeOf(shape) !== idx.size)
      throw new NablaError(`${name}: names.shape ${fmtShape(shape)} does not have the ${idx.size} elements of the indices`);
    const n = t.shape[t.rank - 1];
    const rows = idx.size;
    // Row r's entry is element r*n + indices[r] of the flattened tensor; the block check keeps each
    // index inside its own row, so a label of 5 of 3 classes is an error, not the next row's entry.
    const flat = add(mul(arange(0, rows, 1, 'int32'), n), p.reshape(idx, [rows], name));
    const check = { op: name, what: opts.what ?? 'index', range: opts.range ?? `axis -1 of size ${n}`, shape, block: n };
    return p.reshape(p.gather(p.reshape(t, [rows * n], name), flat, 0, name, check), lead, name);
  },
  3,
);
