import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance } from '@nabla/conformance/vitest';
import { getBackendInstance, registerBackend } from '@nabla/core';
import { afterAll } from 'vitest';
import { createWebGpuBackend } from './index.js';

// Fusion off: every elementwise node its own kernel. The op-level groups (values, gradients,
// NaN, integer and empty-tensor rules), where each elementwise function's semantics show; the
// layers and training runs, compositions of the same kernels, run fused in conformance.test.ts.
registerBackend('webgpu-unfused', () => createWebGpuBackend('webgpu-unfused', { fusion: false }));
const GROUPS = ['forward ', 'gradient ', 'nan ', 'integers ', 'empty '];
describeConformance('webgpu-unfused', loadFixturesSync(), { filter: (id) => GROUPS.some((g) => id.startsWith(g)) });

afterAll(async () => {
  await getBackendInstance('webgpu-unfused').destroy?.();
});
