import type { DType } from '@nabla/core';

/** The fixture format written by test-fixtures/generate (see test-fixtures/README.md). */
export type Encoded = number | 'NaN' | 'Infinity' | '-Infinity';

export interface FixtureTensor {
  shape: number[];
  dtype?: DType;
  data: Encoded[];
}

export interface OpCase {
  id: string;
  op: string;
  params: Record<string, unknown>;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  cotangent: FixtureTensor | null;
  grads: (FixtureTensor | null)[] | null;
  gradDefect?: string;
  gradSource?: 'finiteDifferences';
}

/** A Dense layer of the first training runs (test-fixtures' training.mjs). */
export interface DenseSpec {
  units: number;
  activation: string;
  inputDim?: number;
}

/** A Keras 3 layer as the fixtures give it: its class name and its options in nabla's camelCase names. */
export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

export interface TrainingRun {
  id: string;
  /** Dense layers, or Keras 3 layers applied to [batch, ...inputShape] (test-fixtures/README.md). */
  model: { inputShape?: number[]; layers: (DenseSpec | LayerSpec)[] };
  initialWeights: { name: string; shape: number[]; data: Encoded[] }[];
  optimizer: { name: string; learningRate: number; [key: string]: unknown };
  loss: string;
  batchSize: number;
  epochs: number;
  x: FixtureTensor & { scale?: number };
  y: FixtureTensor;
  stepLosses: Encoded[];
  finalWeights: { name: string; shape: number[]; data: Encoded[] }[];
  notes?: string;
}

/** An input of a layer case; `arg` says which call argument it is (absent: the layer's own input). */
export interface LayerInput extends FixtureTensor {
  arg?: 'mask' | 'initialState' | 'attentionMask' | 'valueMask' | 'paddingMask';
}

/** A layer case of layers.json or layers-torch.json (test-fixtures/README.md, "layers.json"). */
export interface LayerCase {
  id: string;
  layers: (LayerSpec & { weights: (FixtureTensor & { name: string; trainable?: boolean })[] })[];
  training: boolean;
  /** Keras call options that are not tensors (useCausalMask, returnAttentionScores). */
  call?: Record<string, unknown>;
  inputs: LayerInput[];
  outputs: FixtureTensor[];
  /** Per layer, per weight: the value a training call assigned (moving statistics), or null. */
  updatedWeights?: (FixtureTensor | null)[][];
  cotangents: FixtureTensor[];
  grads: { inputs: (FixtureTensor | null)[]; weights: (FixtureTensor | null)[][] };
  gradDefect?: string;
  gradSource?: 'finiteDifferences';
}

export interface Fixtures {
  ops: OpCase[];
  training: TrainingRun[];
  /** layers.json's cases (TensorFlow.js), then layers-torch.json's (PyTorch). */
  layers: LayerCase[];
}

export function decode(data: readonly Encoded[]): number[] {
  return data.map((v) => (typeof v === 'number' ? v : Number(v)));
}

/** Reads the fixtures shipped in @nabla/test-fixtures (Node). Browsers pass fixtures in. */
export async function loadFixtures(): Promise<Fixtures> {
  const { createRequire } = await import('node:module');
  const { readFile, readdir } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const opsPath = require.resolve('@nabla/test-fixtures/ops.json');
  const ops = JSON.parse(await readFile(opsPath, 'utf8')).cases as OpCase[];
  const trainingDir = join(dirname(opsPath), 'training');
  const files = (await readdir(trainingDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const training = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(trainingDir, f), 'utf8')) as TrainingRun));
  const layerFiles = ['layers.json', 'layers-torch.json'].map((f) => join(dirname(opsPath), f));
  const layers = (await Promise.all(layerFiles.map(async (f) => JSON.parse(await readFile(f, 'utf8')).cases as LayerCase[]))).flat();
  return { ops, training, layers };
}
