import * as nb from '@nabla/core';
import type { Logs } from '@nabla/nn';
import type { BackendName, DigitGrid, EpochPoint, Reply, RunSummary, StepPoint, TrainSettings } from '../protocol.js';
import { TASK_BY_ID } from './tasks/index.js';
import type { AnyModel, HostData, HostTensor, Task, Tensors } from './tasks/task.js';

/** Steps are sent in groups, at most this often: a message per step would flood the page. */
const FLUSH_MS = 50;

const hostData = new Map<string, Promise<HostData>>();

/** A task's host data, made once per worker. */
export function dataOf(task: Task): Promise<HostData> {
  let p = hostData.get(task.id);
  if (!p) {
    p = task.data();
    hostData.set(task.id, p);
    p.catch(() => hostData.delete(task.id));
  }
  return p;
}

const toTensor = (h: HostTensor) => nb.tensor(h.values, h.shape, h.dtype);

export function tensorsOf(host: HostData): Tensors {
  return {
    x: toTensor(host.x),
    y: toTensor(host.y),
    xTest: host.xTest && toTensor(host.xTest),
    yTest: host.yTest && toTensor(host.yTest),
  };
}

export function disposeTensors(t: Tensors | undefined): void {
  if (t) nb.dispose([t.x, t.y, ...(t.xTest ? [t.xTest] : []), ...(t.yTest ? [t.yTest] : [])]);
}

/** A trained (or stopped) model and what it was trained on, kept for predictions, saving and export. */
export interface Trained {
  task: Task;
  backend: BackendName;
  model: AnyModel;
  host: HostData;
  tensors: Tensors;
}

export interface RunResult {
  trained: Trained;
  summary: RunSummary;
  grid?: DigitGrid;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Trains a task on a backend with fit, reporting every step: fit's batch logs are the epoch's
 * running means, from which each step's own value follows (mean_k * n_k - mean_(k-1) * n_(k-1),
 * over the step's batch size). `signal` stops training between steps (fit's AbortSignal); what
 * was learned until then is kept.
 */
export async function runTraining(
  id: number,
  settings: TrainSettings,
  signal: AbortSignal,
  post: (r: Reply) => void,
  opts: { report?: boolean } = {},
): Promise<RunResult> {
  const task = TASK_BY_ID[settings.task];
  const host = await dataOf(task);
  nb.setBackend(settings.backend);
  const tensors = tensorsOf(host);
  let model: AnyModel;
  try {
    model = task.model({ learningRate: settings.learningRate, seed: settings.seed });
  } catch (e) {
    disposeTensors(tensors);
    throw e;
  }
  const trainSamples = host.x.shape[0];
  const stepsPerEpoch = Math.ceil(trainSamples / settings.batchSize);
  const metrics = task.kind === 'classification' ? ['loss', 'accuracy'] : ['loss'];
  post({ type: 'started', id, backend: settings.backend, task: task.id, trainSamples, stepsPerEpoch, metrics });

  let pending: StepPoint[] = [];
  let lastFlush = performance.now();
  const flush = () => {
    if (pending.length) post({ type: 'steps', id, backend: settings.backend, points: pending });
    pending = [];
    lastFlush = performance.now();
  };
  let step = 0;
  let epochNow = 0;
  let size = 0;
  let seen = 0;
  const sums: Record<string, number> = {};
  let lastEnd = performance.now();
  const stepMs: number[] = [];
  let samples = 0;
  let timedSamples = 0;
  const t0 = performance.now();

  const callbacks = {
    onEpochBegin(epoch: number) {
      // A step's time runs from the end of the one before in the same epoch (or the epoch's
      // start): the validation pass between epochs is not a step's.
      lastEnd = performance.now();
      epochNow = epoch;
      seen = 0;
      for (const k of Object.keys(sums)) delete sums[k];
    },
    onBatchBegin(_batch: number, logs: Logs) {
      size = logs.size;
    },
    onBatchEnd(_batch: number, logs: Logs) {
      const now = performance.now();
      const ms = now - lastEnd;
      lastEnd = now;
      step++;
      samples += size;
      if (step > 1) {
        stepMs.push(ms);
        timedSamples += size;
      }
      const own = (name: string) => {
        const total = logs[name] * (seen + size);
        const value = (total - (sums[name] ?? 0)) / size;
        sums[name] = total;
        return value;
      };
      const point: StepPoint = { step, epoch: epochNow + 1, loss: own('loss'), ms, size };
      if (task.kind === 'classification') point.accuracy = own('accuracy');
      seen += size;
      pending.push(point);
      if (now - lastFlush >= FLUSH_MS) flush();
    },
    onEpochEnd(epoch: number, logs: Logs) {
      flush();
      const point: EpochPoint = { epoch: epoch + 1, logs: { ...logs } };
      post({ type: 'epoch', id, backend: settings.backend, point });
    },
  };

  let stopped = false;
  try {
    await model.fit(tensors.x, tensors.y, {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: settings.seed,
      signal,
      callbacks,
      validationData: tensors.xTest && tensors.yTest ? [tensors.xTest, tensors.yTest] : undefined,
      verbose: 0,
    });
  } catch (e) {
    if ((e as Error)?.name !== 'AbortError') {
      model.dispose();
      disposeTensors(tensors);
      throw e;
    }
    stopped = true;
  }
  flush();
  const seconds = (performance.now() - t0) / 1000;
  const trained: Trained = { task, backend: settings.backend, model, host, tensors };
  const notes = opts.report === false || !task.report ? [] : await task.report(model, tensors, host);
  const grid = opts.report === false || !task.grid ? undefined : await task.grid(model, host);
  const summary: RunSummary = {
    steps: step,
    samples,
    seconds,
    medianStepMs: median(stepMs),
    samplesPerSecond: timedSamples / (stepMs.reduce((a, b) => a + b, 0) / 1000),
    stopped,
    notes,
  };
  return { trained, summary, grid };
}

export function disposeTrained(t: Trained | undefined): void {
  if (!t) return;
  t.model.dispose();
  disposeTensors(t.tensors);
}
