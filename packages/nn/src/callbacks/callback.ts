import { checkArity, checkOptions, describe, is, NablaError } from '@nabla/core';
/** What callbacks see: the running or final values of the loss and metrics (val_ prefixed for validation). */
export type Logs = Record<string, number>;

/** The part of a model that callbacks use. */
export interface TrainingModel {
  stopTraining: boolean;
  /** The optimizer's base learning rate (a number; schedules are not adjusted by callbacks). */
  learningRate: number;
  /** Current weight values, copied (for restoring later). */
  snapshotWeights(): import('@nabla/core').Tensor[];
  /** Replaces the weight values, with a snapshot for instance (takes ownership of the tensors). */
  setWeights(values: import('@nabla/core').Tensor[]): void;
}

export interface TrainParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  /** This process's rank in data-parallel fit (fit's `distributed`); 0 in one process. */
  rank?: number;
  /** The number of ranks; 1 in one process. */
  worldSize?: number;
}

/**
 * A hook into fit(), as in Keras. Override what you need; each hook may return a promise.
 * `this.model` and `this.params` are set before training begins.
 */
export class Callback {
  model!: TrainingModel;
  params!: TrainParams;

  /** A callback takes no arguments; subclasses take their own options. */
  constructor(...extra: unknown[]) {
    checkArity('Callback', extra, 0);
  }

  /**
   * Whether the callback writes (output, files, checkpoints): data-parallel fit (`distributed`)
   * runs it on rank 0 only. The others run on every rank, where the logs are the same, so that
   * a callback that decides (EarlyStopping, a learning-rate schedule) decides alike everywhere.
   * ProgbarLogger, CSVLogger and ModelCheckpoint say true; a writing callback of one's own
   * overrides it (or reads `params.rank`).
   */
  get rankZeroOnly(): boolean {
    return false;
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }
  setParams(params: TrainParams): void {
    this.params = params;
  }
  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}

  /**
   * Whether this callback does something in `hook` (overrides it): fit calls the batch hooks,
   * and reads each step's loss for them, only when some callback does.
   */
  handles(hook: Hook): boolean {
    return this[hook] !== Callback.prototype[hook];
  }
}

export type Hook = (typeof HOOKS)[number];

/** Hooks given as plain functions, like TensorFlow.js's CustomCallbackArgs. */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

export class CustomCallback extends Callback {
  private readonly hooks: CustomCallbackArgs;
  /** A misspelt hook (`onEpochEnds`) is an error naming the hooks, not a function never called. */
  constructor(hooks: CustomCallbackArgs, ...extra: unknown[]) {
    super();
    checkArity('CustomCallback', [hooks, ...extra], 1);
    this.hooks = checkOptions('CustomCallback', hooks, Object.fromEntries(HOOKS.map((h) => [h, is.function])));
  }
  /**
   * The hooks given (or overridden by a subclass), not the methods that forward to them:
   * `{ onEpochEnd }` costs fit no per-batch work.
   */
  override handles(hook: Hook): boolean {
    return this.hooks[hook] !== undefined || this[hook] !== CustomCallback.prototype[hook];
  }
  override onTrainBegin(logs: Logs) {
    return this.hooks.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs: Logs) {
    return this.hooks.onTrainEnd?.(logs);
  }
  override onEpochBegin(epoch: number, logs: Logs) {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs: Logs) {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }
  override onBatchBegin(batch: number, logs: Logs) {
    return this.hooks.onBatchBegin?.(batch, logs);
  }
  override onBatchEnd(batch: number, logs: Logs) {
    return this.hooks.onBatchEnd?.(batch, logs);
  }
}

/**
 * Runs every callback's hook in order, awaiting each that returns a promise. Hooks that return
 * nothing (most, and every batch hook of the built-in callbacks) cost no await: fit calls two
 * batch hooks per step.
 */
export class CallbackList {
  readonly callbacks: Callback[];
  constructor(callbacks: Callback[], ...extra: unknown[]) {
    checkArity('CallbackList', [callbacks, ...extra], 1);
    if (!Array.isArray(callbacks) || !callbacks.every((c) => c instanceof Callback)) {
      throw new NablaError(`CallbackList: expected a list of callbacks, got ${describe(callbacks)}`);
    }
    this.callbacks = callbacks;
  }

  call<K extends 'onTrainBegin' | 'onTrainEnd'>(hook: K, logs: Logs): Promise<void> | undefined;
  call<K extends 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd'>(
    hook: K,
    index: number,
    logs: Logs,
  ): Promise<void> | undefined;
  call(hook: keyof Callback, a: number | Logs, b?: Logs): Promise<void> | undefined {
    return this.callFrom(0, hook, a, b);
  }

  private callFrom(from: number, hook: keyof Callback, a: number | Logs, b?: Logs): Promise<void> | undefined {
    for (let i = from; i < this.callbacks.length; i++) {
      const c = this.callbacks[i];
      const result: unknown = (c[hook] as (x: number | Logs, y?: Logs) => unknown).call(c, a, b);
      if (typeof (result as PromiseLike<void> | undefined)?.then === 'function') {
        return Promise.resolve(result).then(() => this.callFrom(i + 1, hook, a, b));
      }
    }
    return undefined;
  }
}
