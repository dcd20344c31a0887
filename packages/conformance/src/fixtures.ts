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

export interface TrainingRun {
  id: string;
  /** Dense layers ({ units, activation }), or Keras 3 layers ({ className, config }) applied to [batch, ...inputShape]. */
  model: { inputShape?: number[]; layers: { units: number; activation: string; inputDim?: number; className?: string }[] };
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

export interface Fixtures {
  ops: OpCase[];
  training: TrainingRun[];
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
  return { ops, training };
}
