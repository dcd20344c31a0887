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
}

/**
 * A hook into fit(), as in Keras. Override what you need; each hook may return a promise.
 * `this.model` and `this.params` are set before training begins.
 */
export class Callback {
  model!: TrainingModel;
  params!: TrainParams;

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
}

/** Hooks given as plain functions, like TensorFlow.js's CustomCallbackArgs. */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
}

export class CustomCallback extends Callback {
  constructor(private readonly hooks: CustomCallbackArgs) {
    super();
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
  constructor(readonly callbacks: Callback[]) {}

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
