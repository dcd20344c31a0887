import { isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkOptions, describe, is } from '../options.js';
import type { Tensor } from '../tensor.js';
import { constant, type TensorLike, toTensor } from './creation.js';
import * as p from './prims.js';
import { type Padding, perAxis, readPadding, type Window, windowOf, windowTaps } from './windows.js';

/**
 * Max and average pooling, channels-last: x [batch, ...spatial, channels] with 1 to 3 spatial
 * axes (the spatial rank is x's rank - 2, as in Keras's ops). Composed from the window's taps
 * (windows.ts): a chain of maximums or of sums over them.
 */

export interface PoolOptions {
  /** The window, per spatial axis or one for all. Required. */
  poolSize?: number | readonly number[];
  /** Per spatial axis or one for all; the pool size by default (Keras's and TensorFlow's). */
  strides?: number | readonly number[] | null;
  /** 'valid' (the default), 'same', or [before, after] per spatial axis; padding never counts. */
  padding?: Padding;
}

const POOL_SCHEMA = { poolSize: is.any, strides: is.any, padding: is.any };

/**
 * The window from either call form: TensorFlow.js's positional `(x, filterSize, strides, pad)`,
 * or an options object as the second argument.
 */
function poolWindow(name: string, x: TensorLike, sizeOrOptions: unknown, strides: unknown, pad: unknown): [Tensor, Window] {
  const t = toTensor(name, x);
  if (!isFloat(t.dtype)) throw new NablaError(`${name}: x must be a float tensor, got ${t.dtype}`);
  const rank = t.rank - 2;
  if (rank < 1 || rank > 3) {
    throw new NablaError(
      `${name}: x must be [batch, ...spatial, channels] with 1 to 3 spatial axes (rank 3 to 5), got ${fmtShape(t.shape)}`,
    );
  }
  let o: PoolOptions;
  if (typeof sizeOrOptions === 'object' && sizeOrOptions !== null && !Array.isArray(sizeOrOptions)) {
    const rest = [strides, pad].filter((v) => v !== undefined);
    if (rest.length > 0) throw new NablaError(`${name}: ${describe(rest[0])} given after an options object; put it in the options`);
    o = checkOptions(name, sizeOrOptions as PoolOptions, POOL_SCHEMA);
  } else {
    o = { poolSize: sizeOrOptions as PoolOptions['poolSize'], strides: strides as PoolOptions['strides'], padding: pad as Padding };
  }
  if (o.poolSize === undefined) throw new NablaError(`${name}: poolSize is required`);
  const size = perAxis(name, 'poolSize', o.poolSize, rank, 1);
  const w = windowOf(
    name,
    t.shape.slice(1, -1),
    size,
    o.strides == null ? size : perAxis(name, 'strides', o.strides, rank, 1),
    new Array(rank).fill(1),
    readPadding(name, o.padding, rank),
  );
  if (t.shape[0] === 0 || t.shape[rank + 1] === 0) throw new NablaError(`${name}: x ${fmtShape(t.shape)} is empty`);
  return [t, w];
}

/**
 * Max pooling: the largest value in each window; padding never wins (it is -Infinity). The
 * gradient goes to the first maximum of a window in row-major order, as TensorFlow's does (a
 * chain of maximums, each sending a tie to its first operand); a NaN in a window is the result.
 * `maxPool(x, poolSize, strides, pad)` as TensorFlow.js, or `maxPool(x, { poolSize, strides, padding })`.
 */
export const maxPool = op(
  'maxPool',
  function maxPool(
    x: TensorLike,
    poolSize: number | readonly number[] | PoolOptions,
    strides?: number | readonly number[] | null,
    pad?: Padding,
  ): Tensor {
    const [t, w] = poolWindow('maxPool', x, poolSize, strides, pad);
    const taps = windowTaps(t, w, 'maxPool', Number.NEGATIVE_INFINITY);
    return taps.reduce((m, tap) => p.binary('maximum', m, tap, 'maxPool'));
  },
  4,
);

/**
 * Average pooling: the mean of each window over its elements inside x (TensorFlow's SAME: padding
 * is not counted). `avgPool(x, poolSize, strides, pad)` as TensorFlow.js, or
 * `avgPool(x, { poolSize, strides, padding })`.
 */
export const avgPool = op(
  'avgPool',
  function avgPool(
    x: TensorLike,
    poolSize: number | readonly number[] | PoolOptions,
    strides?: number | readonly number[] | null,
    pad?: Padding,
  ): Tensor {
    const [t, w] = poolWindow('avgPool', x, poolSize, strides, pad);
    const taps = windowTaps(t, w, 'avgPool');
    const sum = taps.reduce((s, tap) => p.binary('add', s, tap, 'avgPool'));
    return p.binary('div', sum, counts(w, t), 'avgPool');
  },
  4,
);

/**
 * How many elements of x each window holds: one number when no window reaches into the padding,
 * else [1, ...output, 1], the product of per-axis counts.
 */
function counts(w: Window, like: Tensor): Tensor {
  const perAxis = w.output.map((n, i) =>
    Array.from({ length: n }, (_, o) => {
      let c = 0;
      for (let k = 0; k < w.size[i]; k++) {
        const at = o * w.strides[i] + k * w.dilations[i] - w.pads[i][0];
        if (at >= 0 && at < w.input[i]) c++;
      }
      return c;
    }),
  );
  if (perAxis.every((cs, i) => cs.every((c) => c === w.size[i]))) {
    return constant(
      w.size.reduce((a, b) => a * b, 1),
      like.dtype,
      'avgPool',
    );
  }
  let data = [1];
  for (const cs of perAxis) data = data.flatMap((d) => cs.map((c) => d * c));
  return p.reshape(constant(data, like.dtype, 'avgPool'), [1, ...w.output, 1], 'avgPool');
}
