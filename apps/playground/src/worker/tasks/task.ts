import type * as nb from '@nabla/core';
import type { Model, Sequential } from '@nabla/nn';
import type { DigitGrid, TaskId } from '../../protocol.js';

/** Data on the host: made once per worker, turned into tensors on whichever backend trains. */
export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface HostData {
  x: HostTensor;
  y: HostTensor;
  /** Held-out data: validation after each epoch, and what the task reports at the end. */
  xTest?: HostTensor;
  yTest?: HostTensor;
}

export interface Tensors {
  x: nb.Tensor;
  y: nb.Tensor;
  xTest?: nb.Tensor;
  yTest?: nb.Tensor;
}

export type AnyModel = Sequential | Model;

export interface TaskSettings {
  learningRate: number;
  seed: number;
}

export interface Task {
  id: TaskId;
  /** 'classification' tasks report accuracy and predict digits. */
  kind: 'regression' | 'classification';
  data(): Promise<HostData>;
  /** The compiled model; its initial weights follow from the seed alone. */
  model(settings: TaskSettings): AnyModel;
  /** Lines to show after training (test accuracy, the line found, names sampled). */
  report?(model: AnyModel, data: Tensors, host: HostData): Promise<string[]>;
  /** Test digits with predictions (the MNIST tasks). */
  grid?(model: AnyModel, host: HostData): Promise<DigitGrid>;
  /** The shape one drawn digit takes as the model's input (the MNIST tasks). */
  sampleShape?: number[];
}
