import '@nabla/backend-cpu';
import './index.js';
import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance } from '@nabla/conformance/vitest';
import { getBackendInstance } from '@nabla/core';
import { afterAll } from 'vitest';
import type { OnnxWebGpuBackend } from './webgpu/backend.js';

// The shared suite on onnxruntime-node's WebGPU provider (SwiftShader's Vulkan driver where the
// machine has no GPU: vitest.config.ts). Graphs that need an op it lacks run on the CPU provider;
// which ops those were is printed at the end, for the conformance matrix.
describeConformance('onnx-webgpu', loadFixturesSync());

afterAll(() => {
  const fallbacks = (getBackendInstance('onnx-webgpu') as OnnxWebGpuBackend).cpuFallbacks();
  console.log(
    `onnx-webgpu ran graphs on the CPU for ${fallbacks.length} ONNX ops the WebGPU provider lacks:\n` +
      fallbacks.map((f) => `  ${f.op}: ${f.graphs} graphs (nabla ops ${f.nablaOps.join(', ')})`).join('\n'),
  );
});
