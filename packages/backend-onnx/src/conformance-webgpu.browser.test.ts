/// <reference types="vite/client" />
import './web.js';
import type { LayerCase, OpCase, TrainingRun } from '@nabla/conformance';
import { describeConformance } from '@nabla/conformance/vitest';
import { getBackendInstance } from '@nabla/core';
import { afterAll } from 'vitest';
import type { OnnxWebGpuBackend } from './webgpu/backend.js';

// The shared suite on onnxruntime-web's WebGPU build inside headless Chromium (SwiftShader's
// adapter there: scripts/chromium.mjs), as a browser app would run it.
const ops = Object.values(import.meta.glob('../../../test-fixtures/ops.json', { eager: true, import: 'cases' }))[0] as OpCase[];
const training = Object.values(
  import.meta.glob('../../../test-fixtures/training/*.json', { eager: true, import: 'default' }),
) as TrainingRun[];
const layers = Object.values(
  import.meta.glob('../../../test-fixtures/layers*.json', { eager: true, import: 'cases' }),
).flat() as LayerCase[];

describeConformance('onnx-webgpu', { ops, training, layers });

afterAll(() => {
  const fallbacks = (getBackendInstance('onnx-webgpu') as OnnxWebGpuBackend).cpuFallbacks();
  console.log(`onnx-webgpu ran graphs on the CPU for: ${fallbacks.map((f) => `${f.op} (${f.graphs})`).join(', ')}`);
});
