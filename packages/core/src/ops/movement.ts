import { isInt32Value } from '../dtype.js';
import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkArg, checkOptions, describe, is } from '../options.js';
import { type Axis, checkShape, normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { constant, type TensorLike, toTensor } from './creation.js';
import { equal, where } from './elementwise.js';
import { INDEX_NAMES, type IndexNames } from './indexing.js';
import * as p from './prims.js';
import { promoteCast } from './promote.js';

/** Movement ops: they rearrange values and never change them. */

/** Reshapes; one dimension may be -1 and is inferred. */
export const reshape = op(
  'reshape',
  function reshape(x: TensorLike, shape: readonly number[]): Tensor {
    const t = toTensor('reshape', x);
    if (!Array.isArray(shape)) throw new NablaError(`reshape: shape must be a list of integers, got ${describe(shape)}`);
    const target = [...shape];
    const unknown = target.indexOf(-1);
    if (unknown >= 0) {
      if (target.indexOf(-1, unknown + 1) >= 0) throw new NablaError(`reshape: only one dimension can be -1, got ${fmtShape(shape)}`);
      const known = target.reduce((n, d, i) => (i === unknown ? n : n * d), 1);
      if (known === 0 || t.size % known !== 0) {
        throw new NablaError(`reshape: cannot reshape ${fmtShape(t.shape)} (${t.size} elements) to ${fmtShape(shape)}`);
      }
      target[unknown] = t.size / known;
    }
    checkShape('reshape', target);
    return p.reshape(t, target);
  },
  2,
);

/** Permutes axes; reverses them by default. */
export const transpose = op(
  'transpose',
  function transpose(x: TensorLike, perm?: readonly number[] | null): Tensor {
    const t = toTensor('transpose', x);
    checkArg('transpose', 'perm', perm ?? undefined, is.integers);
    const pm = perm ? perm.map((a) => normalizeAxis('transpose', a, t.rank)) : t.shape.map((_, i) => t.rank - 1 - i);
    if (pm.length !== t.rank || new Set(pm).size !== t.rank) {
      throw new NablaError(`transpose: perm [${perm?.join(',')}] is not a permutation of the ${t.rank} axes of ${fmtShape(t.shape)}`);
    }
    return p.transpose(t, pm);
  },
  2,
);

export const expandDims = op(
  'expandDims',
  function expandDims(x: TensorLike, axis = 0): Tensor {
    const t = toTensor('expandDims', x);
    const a = normalizeAxis('expandDims', axis, t.rank + 1);
    const shape = [...t.shape];
    shape.splice(a, 0, 1);
    return p.reshape(t, shape, 'expandDims');
  },
  2,
);

/** Removes size-1 axes: the given ones (an error if not size 1), or all. */
export const squeeze = op(
  'squeeze',
  function squeeze(x: TensorLike, axis?: Axis | null): Tensor {
    const t = toTensor('squeeze', x);
    const axes = axis == null ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, t.rank);
    for (const a of axes) {
      if (t.shape[a] !== 1) throw new NablaError(`squeeze: axis ${a} of ${fmtShape(t.shape)} has size ${t.shape[a]}, not 1`);
    }
    return p.reshape(
      t,
      t.shape.filter((_, i) => !axes.includes(i)),
      'squeeze',
    );
  },
  2,
);

/** Broadcasts to a shape of equal or higher rank, numpy-style. */
export const broadcastTo = op(
  'broadcastTo',
  function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
    const t = toTensor('broadcastTo', x);
    if (!Array.isArray(shape)) throw new NablaError(`broadcastTo: shape must be a list of integers, got ${describe(shape)}`);
    const target = checkShape('broadcastTo', shape);
    if (target.length < t.rank)
      throw new NablaError(`broadcastTo: cannot broadcast ${fmtShape(t.shape)} to lower rank ${fmtShape(target)}`);
    const lifted = p.reshape(t, [...new Array(target.length - t.rank).fill(1), ...t.shape], 'broadcastTo');
    return p.expand(lifted, target, 'broadcastTo');
  },
  2,
);

/**
 * A block of `size` starting at `begin`, per axis. Missing trailing axes are taken whole;
 * a size of -1 runs to the end; a negative begin counts from the end.
 */
export const slice = op(
  'slice',
  function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[] | null): Tensor {
    const t = toTensor('slice', x);
    checkArg('slice', 'begin', begin, is.axis, false);
    checkArg('slice', 'size', size ?? undefined, is.axis);
    const b0 = typeof begin === 'number' ? [begin] : [...begin];
    const s0 = size == null ? [] : typeof size === 'number' ? [size] : [...size];
    if (b0.length > t.rank || s0.length > t.rank) {
      throw new NablaError(`slice: begin [${b0.join(',')}] or size [${s0.join(',')}] has more axes than ${fmtShape(t.shape)}`);
    }
    const b = t.shape.map((d, i) => {
      const v = b0[i] ?? 0;
      return v < 0 ? v + d : v;
    });
    const s = t.shape.map((d, i) => {
      const v = s0[i] ?? -1;
      return v === -1 ? d - b[i] : v;
    });
    t.shape.forEach((d, i) => {
      if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i] < 0 || s[i] < 0 || b[i] + s[i] > d) {
        throw new NablaError(`slice: begin [${b0.join(',')}] size [${s0.join(',')}] is out of bounds for ${fmtShape(t.shape)}`);
      }
    });
    return p.slice(t, b, s);
  },
  3,
);

export const concat = op(
  'concat',
  function concat(xs: readonly TensorLike[], axis = 0): Tensor {
    if (!Array.isArray(xs)) throw new NablaError(`concat: expects a list of tensors, got ${describe(xs)}`);
    if (xs.length === 0) throw new NablaError('concat: needs at least one tensor');
    const ts = promoteCast(
      'concat',
      xs.map((x) => toTensor('concat', x)),
    );
    const rank = ts[0].rank;
    if (rank === 0) throw new NablaError('concat: cannot concatenate scalars; use stack');
    const a = normalizeAxis('concat', axis, rank);
    for (const t of ts) {
      if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== ts[0].shape[i])) {
        throw new NablaError(`concat: shapes must match except along axis ${a}: ${ts.map((u) => fmtShape(u.shape)).join(', ')}`);
      }
    }
    return p.concat(ts, a);
  },
  2,
);

export const stack = op(
  'stack',
  function stack(xs: readonly TensorLike[], axis = 0): Tensor {
    if (!Array.isArray(xs)) throw new NablaError(`stack: expects a list of tensors, got ${describe(xs)}`);
    if (xs.length === 0) throw new NablaError('stack: needs at least one tensor');
    const ts = xs.map((x) => toTensor('stack', x));
    for (const t of ts) {
      if (t.shape.length !== ts[0].rank || t.shape.some((d, i) => d !== ts[0].shape[i])) {
        throw new NablaError(`stack: shapes must be equal: ${ts.map((u) => fmtShape(u.shape)).join(', ')}`);
      }
    }
    const a = normalizeAxis('stack', axis, ts[0].rank + 1);
    return concat(
      ts.map((t) => expandDims(t, a)),
      a,
    );
  },
  2,
);

/** Splits into `n` equal parts or parts of the given sizes (one may be -1) along an axis. */
export const split = op(
  'split',
  function split(x: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
    const t = toTensor('split', x);
    checkArg('split', 'sizes', sizes, is.either(is.number, is.integers), false);
    const a = normalizeAxis('split', axis, t.rank);
    const d = t.shape[a];
    let parts: number[];
    if (typeof sizes === 'number') {
      if (!Number.isInteger(sizes) || sizes <= 0 || d % sizes !== 0) {
        throw new NablaError(`split: axis ${a} of size ${d} cannot be split into ${sizes} equal parts`);
      }
      parts = new Array(sizes).fill(d / sizes);
    } else {
      parts = [...sizes];
      const free = parts.indexOf(-1);
      if (free >= 0) parts[free] = d - parts.reduce((s, v, i) => (i === free ? s : s + v), 0);
      if (parts.some((v) => !Number.isInteger(v) || v < 0) || parts.reduce((s, v) => s + v, 0) !== d) {
        throw new NablaError(`split: sizes [${sizes.join(',')}] do not add up to ${d}, the size of axis ${a}`);
      }
    }
    let offset = 0;
    return parts.map((n) => {
      const begin = t.shape.map((_, i) => (i === a ? offset : 0));
      const size = t.shape.map((v, i) => (i === a ? n : v));
      offset += n;
      return p.slice(t, begin, size, 'split');
    });
  },
  3,
);

/**
 * Pads with a constant: paddings is [before, after] per axis. The value is weakly typed, as a
 * number operand of a binary op: a fraction pads an int32 tensor as float32, never truncated.
 */
export const pad = op(
  'pad',
  function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
    checkArg('pad', 'value', value, is.number);
    let t = toTensor('pad', x);
    if (t.dtype === 'bool' && value !== 0 && value !== 1) {
      throw new NablaError(`pad: value ${value} cannot pad a bool tensor (0 or 1 can); cast it first`);
    }
    if (t.dtype === 'int32' && !isInt32Value(value)) t = p.cast(t, 'float32', 'pad');
    if (
      !Array.isArray(paddings) ||
      paddings.length !== t.rank ||
      paddings.some((pr) => !Array.isArray(pr) || pr.length !== 2 || pr.some((v) => !Number.isInteger(v) || v < 0))
    ) {
      throw new NablaError(`pad: paddings must be ${t.rank} pairs of non-negative integers, got ${JSON.stringify(paddings)}`);
    }
    return p.pad(
      t,
      paddings.map(([a, b]) => [a, b] as [number, number]),
      value,
    );
  },
  3,
);

/** Repeats the tensor reps[i] times along axis i. */
export const tile = op(
  'tile',
  function tile(x: TensorLike, reps: readonly number[]): Tensor {
    const t = toTensor('tile', x);
    checkArg('tile', 'reps', reps, is.integers, false);
    if (reps.length !== t.rank) throw new NablaError(`tile: reps [${reps.join(',')}] must have one entry per axis of ${fmtShape(t.shape)}`);
    checkShape('tile', reps);
    const interleaved = t.shape.flatMap((d) => [1, d]);
    const expanded = t.shape.flatMap((d, i) => [reps[i], d]);
    const lifted = p.reshape(t, interleaved, 'tile');
    return p.reshape(
      p.expand(lifted, expanded, 'tile'),
      t.shape.map((d, i) => d * reps[i]),
      'tile',
    );
  },
  2,
);

/** Reverses the order of elements along the given axes (all by default). */
export const reverse = op(
  'reverse',
  function reverse(x: TensorLike, axis?: Axis | null): Tensor {
    let t = toTensor('reverse', x);
    const axes = normalizeAxes('reverse', axis, t.rank);
    for (const a of axes) {
      const n = t.shape[a];
      if (n <= 1) continue;
      t = p.gather(t, constant(Int32Array.from({ length: n }, (_, i) => n - 1 - i)), a, 'reverse');
    }
    return t;
  },
  2,
);

/**
 * Takes slices along an axis at the given int32 indices; indices may have any shape. An index
 * outside [0, n) is an error when the graph runs, on every backend; `names` words it in the
 * caller's terms (Embedding: 'index 12 at position [0,3] is out of range for inputDim 10').
 */
export const gather = op(
  'gather',
  function gather(x: TensorLike, indices: TensorLike, axis = 0, names?: IndexNames): Tensor {
    const o = checkOptions('gather', names, INDEX_NAMES);
    const name = o.op ?? 'gather';
    const t = toTensor(name, x);
    const idx = toTensor(name, indices, 'int32');
    if (t.rank === 0) throw new NablaError(`${name}: cannot gather from a scalar`);
    const a = normalizeAxis(name, axis, t.rank);
    if (names === undefined) return p.gather(t, idx, a);
    if (o.shape !== undefined && sizeOf(o.shape) !== idx.size) {
      throw new NablaError(`${name}: names.shape ${fmtShape(o.shape)} does not have the ${idx.size} elements of the indices`);
    }
    const range = o.range ?? `axis ${a} of size ${t.shape[a]}`;
    return p.gather(t, idx, a, name, { op: name, what: o.what ?? 'index', range, ...(o.shape ? { shape: [...o.shape] } : {}) });
  },
  4,
);

/** One-hot encodes int32 indices along a new last axis of size depth. */
export const oneHot = op(
  'oneHot',
  function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
    const idx = toTensor('oneHot', indices, 'int32');
    checkArg('oneHot', 'onValue', onValue, is.number);
    checkArg('oneHot', 'offValue', offValue, is.number);
    if (idx.dtype !== 'int32') throw new NablaError(`oneHot: indices must be int32, got ${idx.dtype}`);
    if (!Number.isInteger(depth) || depth < 0) throw new NablaError(`oneHot: depth must be a non-negative integer, got ${depth}`);
    const hot = equal(p.reshape(idx, [...idx.shape, 1], 'oneHot'), constant(Int32Array.from({ length: depth }, (_, i) => i)));
    return where(hot, onValue, offValue);
  },
  4,
);
