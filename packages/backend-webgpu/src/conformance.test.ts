import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import './index.js';
import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance, describeCrossBackends } from '@nabla/conformance/vitest';
import { getBackendInstance } from '@nabla/core';
import { afterAll } from 'vitest';

// The shared suite on WGSL kernels through Dawn (on SwiftShader where the machine has no GPU),
// then webgpu against cpu and onnx: values, gradients and training runs.
const fixtures = loadFixturesSync();
describeConformance('webgpu', fixtures);
describeCrossBackends(['cpu', 'onnx', 'webgpu'], fixtures, { involving: 'webgpu' });

afterAll(async () => {
  await getBackendInstance('webgpu').destroy?.();
});
