/// <reference types="vite/client" />
import '@nabla/backend-cpu';
import type { LayerCase, OpCase, TrainingRun } from './fixtures.js';
import { describeConformance } from './vitest.js';

// The same suite on the CPU backend inside headless Chromium; fixtures arrive as JSON imports.
const ops = Object.values(import.meta.glob('../../../test-fixtures/ops.json', { eager: true, import: 'cases' }))[0] as OpCase[];
const training = Object.values(
  import.meta.glob('../../../test-fixtures/training/*.json', { eager: true, import: 'default' }),
) as TrainingRun[];
const layers = Object.values(
  import.meta.glob('../../../test-fixtures/layers*.json', { eager: true, import: 'cases' }),
).flat() as LayerCase[];

describeConformance('cpu', { ops, training, layers });
