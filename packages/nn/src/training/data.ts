import * as nb from '@nabla/core';

/**
 * Converts fit/evaluate/predict inputs to tensors, naming the method in errors. An object that
 * is neither a tensor nor array data (a generator or dataset given to predict, an { x, y } pair)
 * is named as such, not reported by nb.tensor as a bad value at flat index 0.
 */
export function asTensor(method: string, what: string, v: nb.TensorLike): nb.Tensor {
  if (v instanceof nb.Tensor) return v;
  if (v === undefined || v === null) throw new nb.NablaError(`${method}: ${what} is required`);
  if (typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
    throw new nb.NablaError(`${method}: ${what} must be a tensor or an array of numbers, got ${nb.describe(v)}`);
  }
  try {
    return nb.tensor(v as nb.TensorData);
  } catch (e) {
    if (e instanceof nb.NablaError) throw new nb.NablaError(`${method}: ${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

export function checkSamples(method: string, x: nb.Tensor, y?: nb.Tensor): number {
  if (x.rank === 0) throw new nb.NablaError(`${method}: x must have a batch axis, got a scalar`);
  const n = x.shape[0];
  if (y !== undefined) {
    if (y.rank === 0) throw new nb.NablaError(`${method}: y must have a batch axis, got a scalar`);
    if (y.shape[0] !== n) {
      throw new nb.NablaError(
        `${method}: x and y have different numbers of samples: ${n} and ${y.shape[0]} (shapes [${x.shape}] and [${y.shape}])`,
      );
    }
  }
  return n;
}

/** A small seeded generator (mulberry32) for shuffling on the host; reproducible per fit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sample order for one epoch: identity, or a Fisher-Yates shuffle. */
export function epochOrder(n: number, shuffle: boolean, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
  return order;
}

/**
 * Consecutive indices from 0 in groups of these lengths ([2, 3] gives [0, 1] and [2, 3, 4]): the
 * indices of the steps of an execution whose batches are concatenated in order.
 */
export function consecutive(lengths: readonly number[]): Int32Array[] {
  let at = 0;
  return lengths.map((n) => {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = at + i;
    at += n;
    return idx;
  });
}

/** Splits an epoch order into batches of indices (the last may be smaller). */
export function batches(order: Int32Array, batchSize: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.subarray(i, Math.min(i + batchSize, order.length)));
  return out;
}
