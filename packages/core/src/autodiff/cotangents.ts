import { add } from '../ops/elementwise.js';
import * as p from '../ops/prims.js';
import type { Tensor } from '../tensor.js';
import { type Factor, ruleFor } from './rules.js';

/**
 * The cotangents backward accumulates, per tensor. Most are added as they arrive; two kinds are
 * kept apart until the tensor's whole cotangent is needed, because their sum has a cheaper form
 * than adding them one by one, and an unrolled recurrence makes hundreds of them per tensor:
 * - a slice's: each would be padded to the whole tensor, and T pads of a sequence cut into T
 *   steps are quadratic in T (an LSTM step at T = 500: 8 GB); laid side by side, one concat;
 * - a matmul's, as the product it is (a^T g for a weight): the T products of a weight used at
 *   every step are one product of the concatenated operands, one large matmul instead of T
 *   small ones and T - 1 additions. onnxruntime's memory planner scans its free list for each of
 *   those T values: an LSTM(64) step at T = 500 took 5.7 s of CPU to create its session, and
 *   2.6 s without the recurrent kernel's gradient.
 */
export class Cotangents {
  private readonly sums = new Map<Tensor, Tensor>();
  private readonly slices = new Map<Tensor, Piece[]>();
  private readonly products = new Map<Tensor, Factor[]>();

  add(t: Tensor, g: Tensor): void {
    const prev = this.sums.get(t);
    this.sums.set(t, prev ? add(prev, g) : g);
  }

  /** The cotangent g of `node`, a slice of x. */
  addSlice(x: Tensor, g: Tensor, node: Tensor): void {
    push(this.slices, x, { g, node });
  }

  /** A cotangent of x that is the product x * y (with the transposes). */
  addProduct(x: Tensor, factor: Factor): void {
    push(this.products, x, factor);
  }

  /** t's cotangent, all parts summed; undefined if none reached it. */
  total(t: Tensor): Tensor | undefined {
    const slices = this.slices.get(t);
    if (slices) {
      this.slices.delete(t);
      this.add(t, assemble(t, slices));
    }
    const products = this.products.get(t);
    if (products) {
      this.products.delete(t);
      for (const group of groupBy(products, ({ tx, ty }) => `${tx},${ty}`)) this.add(t, multiply(group));
    }
    return this.sums.get(t);
  }
}

function push<T>(map: Map<Tensor, T[]>, key: Tensor, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** The cotangent g of a slice (node) of a tensor. */
interface Piece {
  g: Tensor;
  node: Tensor;
}

/**
 * The cotangent of x from the cotangents of slices of it. Pieces cut along one axis without
 * overlapping are laid side by side, each padded only over the gaps around it: one concat, and
 * the same values (each element is one piece's cotangent or zero). Other cuts are padded by
 * slice's rule and summed.
 */
function assemble(x: Tensor, ps: Piece[]): Tensor {
  const region = ({ node }: Piece) => node.attrs as { begin: number[]; size: number[] };
  const cut = new Set<number>();
  for (const q of ps) {
    const { begin, size } = region(q);
    for (const [i, d] of x.shape.entries()) if (begin[i] !== 0 || size[i] !== d) cut.add(i);
  }
  const [axis] = cut;
  const start = (q: Piece) => region(q).begin[axis];
  const end = (q: Piece) => region(q).begin[axis] + region(q).size[axis];
  const sorted = [...ps].sort((a, b) => start(a) - start(b));
  const sideBySide =
    ps.length > 1 && cut.size === 1 && sorted.every((q, k) => end(q) > start(q) && (k === 0 || start(q) >= end(sorted[k - 1])));
  if (!sideBySide) {
    let sum: Tensor | undefined;
    for (const { g, node } of ps) {
      const [padded] = ruleFor('slice')(g, [x], node, node.attrs as never) as Tensor[];
      sum = sum ? add(sum, padded) : padded;
    }
    return sum as Tensor;
  }
  let at = 0;
  const parts = sorted.map((q, k) => {
    const before = start(q) - at;
    at = end(q);
    const after = k === sorted.length - 1 ? x.shape[axis] - at : 0;
    if (!before && !after) return q.g;
    const pads = x.shape.map((_, i) => (i === axis ? [before, after] : [0, 0]) as [number, number]);
    return p.pad(q.g, pads, 0, 'grad');
  });
  return p.concat(parts, axis, 'grad');
}

/**
 * The sum of products of the same form (transposes), as one product: sum_i op(x_i) op(y_i) is
 * op(X) op(Y) with the x_i and the y_i concatenated along the axis each product contracts.
 */
function multiply(group: Factor[]): Tensor {
  const [{ tx, ty }] = group;
  if (group.length === 1) return p.matmul3(group[0].x, group[0].y, tx, ty, 'grad');
  const rank = group[0].x.rank;
  const x = p.concat(
    group.map((f) => f.x),
    tx ? rank - 2 : rank - 1,
    'grad',
  );
  const y = p.concat(
    group.map((f) => f.y),
    ty ? rank - 1 : rank - 2,
    'grad',
  );
  return p.matmul3(x, y, tx, ty, 'grad');
}
