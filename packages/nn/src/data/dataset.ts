import * as nb from '@nabla/core';
import { checkConfig } from '../options.js';
import { epochOrder, seededRandom } from '../training/data.js';
import type { Batch } from './source.js';

/**
 * A source of batches that can be read again and again (each `for await` is a new pass), as
 * tf.data's Dataset: fit reads one pass per epoch.
 */
export class Dataset implements AsyncIterable<Batch> {
  /**
   * @param passes makes the iterator of one pass
   * @param size batches per pass, when known
   */
  constructor(
    private readonly passes: () => AsyncIterator<Batch>,
    readonly size?: number,
    private readonly release: () => void = () => {},
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.passes();
  }

  /** Frees what the dataset holds (the tensors fromArrays made from arrays; tensors given stay the caller's). */
  dispose(): void {
    this.release();
  }
}

export interface FromArraysOptions {
  /** Samples per batch (default 32); the last batch of a pass may be smaller. */
  batchSize?: number;
  /** A new order every pass (default false). */
  shuffle?: boolean;
  /** Seeds the shuffling (default 1337), so that runs repeat. */
  seed?: number;
}

/**
 * A dataset of batches of the samples of x and y (tensors or nested arrays, along their first
 * axis). Each batch is made when it is read (a gather of its samples), so fit's memory holds
 * one or two batches beyond x and y; fit frees each batch after its step.
 */
export function fromArrays(x: nb.TensorLike, y: nb.TensorLike, options: FromArraysOptions = {}, ...extra: unknown[]): Dataset {
  nb.checkArity('data.fromArrays', [x, y, options, ...extra], 3);
  const o = checkConfig('data.fromArrays', options, { batchSize: nb.is.positiveInteger, shuffle: nb.is.boolean, seed: nb.is.integer });
  const tx = x instanceof nb.Tensor ? x : nb.keep(nb.tensor(x as nb.TensorData));
  const ty = y instanceof nb.Tensor ? y : nb.keep(nb.tensor(y as nb.TensorData));
  if (tx.rank === 0 || ty.rank === 0 || tx.shape[0] !== ty.shape[0]) {
    nb.dispose([tx, ty].filter((t, i) => t !== [x, y][i]));
    throw new nb.NablaError(`data.fromArrays: x and y must have the same number of samples, got shapes [${tx.shape}] and [${ty.shape}]`);
  }
  const n = tx.shape[0];
  const batchSize = o.batchSize ?? 32;
  const random = seededRandom(o.seed ?? 1337);
  const pass = async function* (): AsyncGenerator<Batch> {
    const order = epochOrder(n, o.shuffle ?? false, random);
    for (let i = 0; i < n; i += batchSize) {
      const idx = nb.tensor(order.subarray(i, Math.min(i + batchSize, n)), undefined, 'int32');
      const batch: Batch = { xs: nb.gather(tx, idx), ys: nb.gather(ty, idx) };
      idx.dispose();
      yield batch;
    }
  };
  const made = [tx, ty].filter((t, i) => t !== [x, y][i]);
  return new Dataset(
    () => pass(),
    Math.ceil(n / batchSize),
    () => nb.dispose(made),
  );
}
