/**
 * @nabla/backend-webgpu in browsers (the `browser` export condition): registers 'webgpu' on
 * `navigator.gpu`. Pages must be a secure context (https, or localhost).
 */
import { registerBackend } from '@nabla/core';
import { WebGpuBackend } from './backend.js';

const advice = {
  where: 'in this browser',
  install:
    'Use a browser with WebGPU enabled (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows) on a page served over https or from localhost',
};

registerBackend(
  'webgpu',
  () => new WebGpuBackend('webgpu', async () => (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu, advice),
);

export { type GpuStorage, type Program, WebGpuBackend, type WebGpuOptions, type WebGpuStats } from './backend.js';
