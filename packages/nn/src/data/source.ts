import * as nb from '@nabla/core';

/**
 * Data given batch by batch, for data that does not fit in memory: what Keras's `fit(dataset)`
 * and TensorFlow.js's `fitDataset` take. A batch is `{ xs, ys }` (TensorFlow.js) or `[x, y]`
 * (Keras), each a tensor or nested arrays of one batch.
 */
export type Batch = { xs: nb.TensorLike; ys: nb.TensorLike } | [nb.TensorLike, nb.TensorLike];

/**
 * A source of batches: a dataset (nn.data.fromArrays, nn.data.csv, or anything iterable again
 * and again, such as an array of batches), a generator or async generator (read once), a
 * function returning one (called once per pass, so it can be read again), or a TensorFlow.js
 * dataset (`{ iterator() }`).
 */
export type DataSource =
  | Iterable<Batch>
  | AsyncIterable<Batch>
  | (() => Iterable<Batch> | AsyncIterable<Batch>)
  | { iterator(): Promise<AnyIterator> | AnyIterator };

type AnyIterator = Iterator<Batch> | AsyncIterator<Batch>;

/** True for a batch source (as opposed to a tensor or nested arrays of numbers). */
export function isDataSource(v: unknown): v is DataSource {
  if (typeof v === 'function') return true;
  if (typeof v !== 'object' || v === null || v instanceof nb.Tensor || ArrayBuffer.isView(v) || Array.isArray(v)) return false;
  return Symbol.asyncIterator in v || Symbol.iterator in v || typeof (v as { iterator?: unknown }).iterator === 'function';
}

/**
 * Whether each pass gets a fresh iterator (a dataset, a function, a TF.js dataset), or the source
 * is one iterator, read once (a generator object: its iterator is itself).
 */
function opener(method: string, source: DataSource): { open: () => Promise<AnyIterator>; again: boolean } {
  if (typeof source === 'function') {
    return {
      again: true,
      open: async () => {
        const made = (source as () => unknown)();
        const it = iteratorOf(made);
        if (!it)
          throw new nb.NablaError(
            `${method}: the data function must return a generator or an iterable of batches, got ${nb.describe(made)}`,
          );
        return it;
      },
    };
  }
  const tfDataset = source as { iterator?: () => Promise<AnyIterator> | AnyIterator };
  if (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source) && typeof tfDataset.iterator === 'function') {
    return { again: true, open: async () => await (tfDataset.iterator as () => Promise<AnyIterator> | AnyIterator)() };
  }
  const first = iteratorOf(source) as AnyIterator;
  // A generator's iterator is the generator itself: it can be read once.
  const again = (first as unknown) !== source;
  let pending: AnyIterator | null = first;
  return {
    again,
    open: async () => {
      if (pending) {
        const it = pending;
        pending = null;
        return it;
      }
      return iteratorOf(source) as AnyIterator;
    },
  };
}

function iteratorOf(v: unknown): AnyIterator | null {
  if (typeof v !== 'object' || v === null) return null;
  if (Symbol.asyncIterator in v) return (v as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  if (Symbol.iterator in v) return (v as Iterable<Batch>)[Symbol.iterator]();
  return null;
}

/** A batch as tensors, and which of them the reader made (from arrays) rather than was given. */
export interface TensorBatch {
  xs: nb.Tensor;
  ys: nb.Tensor;
}

/** Converts a batch as given to tensors, checking its form and its sample counts. */
export function toTensorBatch(method: string, raw: unknown, index: number): TensorBatch {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(raw) && raw.length === 2) [x, y] = raw;
  else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'xs' in raw && 'ys' in raw) {
    const extra = Object.keys(raw).filter((k) => k !== 'xs' && k !== 'ys');
    if (extra.length > 0)
      throw new nb.NablaError(`${method}: batch ${index} has keys ${extra.join(', ')}; a batch is { xs, ys } or [x, y]`);
    ({ xs: x, ys: y } = raw as { xs: unknown; ys: unknown });
  } else {
    throw new nb.NablaError(`${method}: batch ${index} must be { xs, ys } or [x, y], got ${nb.describe(raw)}`);
  }
  const xs = x instanceof nb.Tensor ? x : nb.tensor(x as nb.TensorData);
  const ys = y instanceof nb.Tensor ? y : nb.tensor(y as nb.TensorData);
  if (xs.rank === 0 || ys.rank === 0 || xs.shape[0] !== ys.shape[0] || xs.shape[0] === 0) {
    const shapes = `[${xs.shape}] and [${ys.shape}]`;
    nb.dispose([xs, ys]);
    throw new nb.NablaError(`${method}: batch ${index}'s xs and ys must have the same, non-zero number of samples, got shapes ${shapes}`);
  }
  return { xs, ys };
}

/**
 * Reads batches from a source, one pass (epoch) at a time or continuing across passes, with
 * the next batch fetched ahead while the current step runs (`prefetch`).
 */
export class BatchReader {
  private readonly open: () => Promise<AnyIterator>;
  /** Whether the source can be read again (a new pass restarts it). */
  readonly again: boolean;
  private iterator: AnyIterator | null = null;
  private ahead: Promise<TensorBatch | null> | null = null;
  /** Batches read in all. */
  count = 0;

  constructor(
    private readonly method: string,
    source: DataSource,
  ) {
    const o = opener(method, source);
    this.open = o.open;
    this.again = o.again;
  }

  /** Starts a new pass: a re-readable source restarts; a read-once source goes on. */
  async restart(): Promise<void> {
    if (!this.again && this.iterator) return;
    await this.discardAhead();
    await this.closeIterator();
    this.iterator = await this.open();
  }

  /** The next batch of this pass, or null at its end. */
  next(): Promise<TensorBatch | null> {
    const got = this.ahead ?? this.read();
    this.ahead = null;
    return got;
  }

  /** Starts reading the next batch now, while the caller runs the current step. */
  prefetch(): void {
    if (!this.ahead) {
      this.ahead = this.read();
      // Its error is reported by the next(); not as an unhandled rejection meanwhile.
      this.ahead.catch(() => {});
    }
  }

  private async read(): Promise<TensorBatch | null> {
    if (!this.iterator) this.iterator = await this.open();
    const r = await this.iterator.next();
    if (r.done) return null;
    return toTensorBatch(this.method, r.value, this.count++);
  }

  private async discardAhead(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead) {
      const b = await ahead.catch(() => null);
      if (b) nb.dispose([b.xs, b.ys]);
    }
  }

  private async closeIterator(): Promise<void> {
    const it = this.iterator;
    this.iterator = null;
    // A read-once iterator (a generator) stays the user's to go on with; ours are closed.
    if (it && this.again && typeof it.return === 'function') await it.return();
  }

  /** Ends reading: a batch fetched ahead is freed, the iterator closed (a generator's finally runs). */
  async close(): Promise<void> {
    await this.discardAhead();
    await this.closeIterator();
  }
}
