import type { TaskId } from './protocol.js';

export interface TaskInfo {
  id: TaskId;
  label: string;
  about: string;
  classification: boolean;
  /** Takes drawn digits. */
  digits: boolean;
  defaults: { epochs: number; learningRate: number; batchSize: number };
}

/** What the page shows of each task (the worker's src/worker/tasks/ build them). */
export const TASK_INFO: Record<TaskId, TaskInfo> = {
  seed: {
    id: 'seed',
    label: 'Seed regression',
    about: "y = 3x + U[0,1) on 100 points, one Dense unit, Adam, mean squared error: nabla's seed example.",
    classification: false,
    digits: false,
    defaults: { epochs: 30, learningRate: 0.05, batchSize: 10 },
  },
  'mnist-mlp': {
    id: 'mnist-mlp',
    label: 'MNIST MLP',
    about: '784-128-10 perceptron on 8,000 real MNIST digits (2,000 held out), Adam, sparse categorical cross-entropy.',
    classification: true,
    digits: true,
    defaults: { epochs: 3, learningRate: 0.001, batchSize: 64 },
  },
  'mnist-cnn': {
    id: 'mnist-cnn',
    label: 'MNIST CNN',
    about: 'Conv2D 16 and 32 (3x3) with max pooling, dropout, Dense 10, on the same digits.',
    classification: true,
    digits: true,
    defaults: { epochs: 2, learningRate: 0.003, batchSize: 64 },
  },
  lstm: {
    id: 'lstm',
    label: 'LSTM on sine waves',
    about: 'LSTM(32) then Dense(1) predicting the next value of 1,000 noisy sine waves of 20 steps.',
    classification: false,
    digits: false,
    defaults: { epochs: 10, learningRate: 0.01, batchSize: 32 },
  },
  transformer: {
    id: 'transformer',
    label: 'Transformer on names',
    about: 'A small decoder-only character Transformer (2 blocks, causal attention) that learns to write first names.',
    classification: true,
    digits: false,
    defaults: { epochs: 5, learningRate: 0.003, batchSize: 64 },
  },
};
