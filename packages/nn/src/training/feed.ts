import * as nb from '@nabla/core';
import { BatchReader, type DataSource, type TensorBatch } from '../data/source.js';
import { type Layout, PLAIN } from '../models/packing.js';
import { batches, consecutive, epochOrder } from './data.js';
import { HostRows } from './host-rows.js';

/**
 * Where fit's and evaluate's batches come from: samples of tensors held in memory (gathered by
 * index inside the compiled step), or batches read from a dataset or generator. The loops run
 * the same compiled steps on both: a dataset batch is its own `x`, its indices 0..n-1, so one
 * program per batch shape serves every batch.
 */
export interface Chunk {
  x: nb.Tensor;
  y: nb.Tensor;
  /** Per-sample weights of x's samples, or null. */
  w: nb.Tensor | null;
  /** Per step of this execution, the indices of its samples in x (all the same length). */
  groups: Int32Array[];
  /** Frees what this chunk owns (a dataset's batch), after its step. */
  release(): void;
}

export interface Feed {
  /** How the batches' x and y are laid out (packed for a model of several inputs or outputs). */
  readonly layout: Layout;
  /** Batches per epoch when known (the progress bar's total). */
  readonly steps: number | undefined;
  /** Samples per epoch when known. */
  readonly samples: number | undefined;
  /** Starts an epoch; `last` when no epoch follows (nothing is read ahead beyond it). */
  startEpoch(last: boolean): Promise<void> | undefined;
  /** Up to `maxSteps` steps of equal batch size, or null at the end of the epoch. */
  next(maxSteps: number): Chunk | null | Promise<Chunk | null>;
  /** Starts preparing the next batch while the current step runs. */
  prefetch(): void;
  close(): Promise<void> | undefined;
}

const noop = () => {};

/** Batches of samples of tensors in memory, in a new order each epoch when shuffled. */
export class ArrayFeed implements Feed {
  readonly steps: number;
  readonly samples: number;
  private all: Int32Array[] = [];
  private at = 0;
  /** Set when the backend copies every input on every run: batches are then gathered on the host. */
  private readonly hostRows: HostRows | null;

  constructor(
    readonly x: nb.Tensor,
    readonly y: nb.Tensor,
    readonly w: nb.Tensor | null,
    readonly batchSize: number,
    readonly shuffle: boolean,
    private readonly random: () => number,
    readonly layout: Layout = PLAIN,
  ) {
    this.samples = x.shape[0];
    this.steps = Math.ceil(this.samples / batchSize);
    this.hostRows = HostRows.when(x, y, w);
  }

  startEpoch(): Promise<void> | undefined {
    this.all = batches(epochOrder(this.samples, this.shuffle, this.random), this.batchSize);
    this.at = 0;
    return this.hostRows?.load();
  }

  next(maxSteps: number): Chunk | null {
    const all = this.all;
    if (this.at >= all.length) return null;
    // Up to maxSteps full batches run in one execution; the last, smaller batch alone.
    const size = all[this.at].length;
    let count = 1;
    while (count < maxSteps && this.at + count < all.length && all[this.at + count].length === size) count++;
    const groups = all.slice(this.at, this.at + count);
    this.at += count;
    if (this.hostRows) return this.hostRows.chunk(groups);
    return { x: this.x, y: this.y, w: this.w, groups, release: noop };
  }

  prefetch(): void {}

  close(): undefined {
    this.hostRows?.release();
    return undefined;
  }
}

export interface DataFeedOptions {
  /** Batches per epoch (stepsPerEpoch, validationSteps); default: one whole pass of the source. */
  steps?: number;
  /**
   * With `steps`: whether epochs continue reading where the last stopped (Keras's and
   * TensorFlow.js's steps_per_epoch on training data) rather than restart the source
   * (validation_steps: each evaluation starts from the beginning).
   */
  continueAcross: boolean;
  /** Checks each batch's x against the model, naming the method. */
  checkInput: (x: nb.Tensor) => void;
}

/** Batches read from a dataset, generator or async iterator. */
export class DataFeed implements Feed {
  /** Batches of a dataset are those of a one-input, one-output model. */
  readonly layout = PLAIN;
  readonly steps: number | undefined;
  readonly samples = undefined;
  private readonly reader: BatchReader;
  private taken = 0;
  private epoch = 0;
  private last = false;
  /** A batch read for an execution of another batch size: the next execution's first. */
  private held: TensorBatch | null = null;

  constructor(
    private readonly method: string,
    source: DataSource,
    private readonly options: DataFeedOptions,
  ) {
    this.reader = new BatchReader(method, source);
    this.steps = options.steps;
  }

  startEpoch(last: boolean): Promise<void> | undefined {
    this.taken = 0;
    this.epoch++;
    this.last = last;
    // A re-readable source starts a new pass; a read-once one (a generator) goes on.
    if (this.options.steps !== undefined && this.options.continueAcross) return undefined;
    return this.reader.restart();
  }

  /**
   * Up to `maxSteps` batches of one size (compile's stepsPerExecution), their samples
   * concatenated into one x and y; a batch of another size waits for the next execution.
   */
  async next(maxSteps: number): Promise<Chunk | null> {
    const first = await this.take();
    if (!first) return null;
    const list = [first];
    const size = first.xs.shape[0];
    try {
      while (list.length < maxSteps) {
        const b = await this.take();
        if (!b) break;
        if (b.xs.shape[0] !== size) {
          this.held = b;
          this.taken--;
          break;
        }
        list.push(b);
      }
    } catch (e) {
      nb.dispose(list.flatMap((b) => [b.xs, b.ys]));
      throw e;
    }
    const owned = list.flatMap((b) => [b.xs, b.ys]);
    // A batch's samples are all of its x: its indices are 0..size-1, the next batch's follow.
    const groups = consecutive(list.map(() => size));
    if (list.length === 1) return { x: first.xs, y: first.ys, w: null, groups, release: () => nb.dispose(owned) };
    const x = nb.concat(
      list.map((b) => b.xs),
      0,
    );
    const y = nb.concat(
      list.map((b) => b.ys),
      0,
    );
    return { x, y, w: null, groups, release: () => nb.dispose([x, y, ...owned]) };
  }

  /** The next batch of this epoch, checked against the model, or null at its end. */
  private async take(): Promise<TensorBatch | null> {
    const steps = this.options.steps;
    if (this.held) {
      const b = this.held;
      this.held = null;
      this.taken++;
      return b;
    }
    if (steps !== undefined && this.taken >= steps) return null;
    let b = await this.reader.next();
    if (!b && steps !== undefined && this.reader.again) {
      // Asked for more batches than a pass holds: the dataset repeats.
      await this.reader.restart();
      if (this.reader.count > 0) b = await this.reader.next();
    }
    if (!b) {
      if (steps === undefined && this.taken > 0) return null;
      throw this.ranOut();
    }
    this.taken++;
    try {
      this.options.checkInput(b.xs);
    } catch (e) {
      nb.dispose([b.xs, b.ys]);
      throw e;
    }
    return b;
  }

  prefetch(): void {
    const steps = this.options.steps;
    const epochDone = steps !== undefined && this.taken >= steps;
    // Never reads past the last batch fit will use (a generator's batches are the user's).
    if (epochDone && (this.last || !this.options.continueAcross)) return;
    this.reader.prefetch();
  }

  close(): Promise<void> {
    if (this.held) nb.dispose([this.held.xs, this.held.ys]);
    this.held = null;
    return this.reader.close();
  }

  private ranOut(): nb.NablaError {
    const read = this.reader.count;
    const steps = this.options.steps;
    const wanted = steps === undefined ? '' : ` (${steps} per epoch were asked for)`;
    const hint = this.reader.again
      ? 'the dataset gave no batches'
      : 'a generator or iterator is read once: give a dataset (nn.data.fromArrays, nn.data.csv) or a function returning a new generator to read it again each epoch, or a generator that yields epochs × stepsPerEpoch batches';
    return new nb.NablaError(
      `${this.method}: the data ran out after ${read} batches, in epoch ${this.epoch} with ${this.taken} batches read${wanted}; ${hint}`,
    );
  }
}
