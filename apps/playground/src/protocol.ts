/**
 * The messages between the page and its workers. Training and the conformance suite run in a
 * Web Worker so that the page stays responsive; every request carries an id that its replies
 * repeat.
 */

/** The backends the playground offers, in the order it lists them. */
export const BACKENDS = ['webgpu', 'onnx-webgpu', 'onnx-wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const TASKS = ['seed', 'mnist-mlp', 'mnist-cnn', 'lstm', 'transformer'] as const;
export type TaskId = (typeof TASKS)[number];

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable, or a note on what it loads. */
  reason: string;
}

export interface TrainSettings {
  task: TaskId;
  backend: BackendName;
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
}

/** One training step, as the chart plots it. */
export interface StepPoint {
  /** Steps since the run began, from 1. */
  step: number;
  epoch: number;
  /** This step's loss (not the epoch's running mean). */
  loss: number;
  /** This step's accuracy, for classification tasks. */
  accuracy?: number;
  /** Wall time of the step, from the end of the one before (the first includes compiling). */
  ms: number;
  /** Samples in the step's batch. */
  size: number;
}

export interface EpochPoint {
  epoch: number;
  logs: Record<string, number>;
}

export interface RunSummary {
  steps: number;
  samples: number;
  seconds: number;
  /** Median time per step, the first (compiling) step left out. */
  medianStepMs: number;
  /** Samples per second of step time (the first step and validation left out). */
  samplesPerSecond: number;
  stopped: boolean;
  /** What the task reports after training (test accuracy, sampled names...). */
  notes: string[];
}

/** Test digits with the model's predictions, for the grid under the charts. */
export interface DigitGrid {
  /** [n, 784] pixel bytes. */
  pixels: Uint8Array;
  labels: number[];
  predictions: number[];
}

export type Request =
  | { type: 'probe'; id: number }
  /** `report: false` skips the task's report and digit grid (the Compare view's runs). */
  | { type: 'train'; id: number; settings: TrainSettings; report?: boolean }
  | { type: 'stop'; id: number }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'save'; id: number }
  | { type: 'load'; id: number; backend: BackendName; files?: File[]; task?: TaskId }
  | { type: 'export-onnx'; id: number }
  | { type: 'groups'; id: number }
  | { type: 'conformance'; id: number; backends: BackendName[]; groups: string[] | null };

export type Reply =
  | { type: 'probe'; id: number; backends: BackendStatus[] }
  | { type: 'started'; id: number; backend: BackendName; task: TaskId; trainSamples: number; stepsPerEpoch: number; metrics: string[] }
  | { type: 'steps'; id: number; backend: BackendName; points: StepPoint[] }
  | { type: 'epoch'; id: number; backend: BackendName; point: EpochPoint }
  | { type: 'done'; id: number; backend: BackendName; summary: RunSummary; grid?: DigitGrid }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'saved'; id: number; where: string }
  | { type: 'loaded'; id: number; task: TaskId; backend: BackendName; grid?: DigitGrid; notes: string[] }
  | { type: 'onnx'; id: number; bytes: Uint8Array; name: string }
  | { type: 'groups'; id: number; groups: { name: string; cases: number }[] }
  | { type: 'conformance-progress'; id: number; backend: string; done: number; total: number; pass: number; fail: number; skip: number }
  | { type: 'conformance-done'; id: number; reports: ConformanceReport[]; markdown: string; text: string }
  | { type: 'error'; id: number; message: string };

/** A conformance report as the page shows it: per-case results without the tolerances. */
export interface ConformanceReport {
  backend: string;
  summary: { pass: number; fail: number; skip: number; total: number };
  results: { id: string; group: string; status: 'pass' | 'fail' | 'skip'; detail?: string; maxError?: number }[];
  seconds: number;
}
