import type { TaskId } from '../../protocol.js';
import { lstmTask } from './lstm.js';
import { mnistCnnTask, mnistMlpTask } from './mnist.js';
import { seedTask } from './seed.js';
import type { Task } from './task.js';
import { transformerTask } from './transformer.js';

export const TASK_BY_ID: Record<TaskId, Task> = {
  seed: seedTask,
  'mnist-mlp': mnistMlpTask,
  'mnist-cnn': mnistCnnTask,
  lstm: lstmTask,
  transformer: transformerTask,
};
