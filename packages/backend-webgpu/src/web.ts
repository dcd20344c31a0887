// The public declarations name WebGPU types (GPUDevice...): users' TypeScript gets them from
// @webgpu/types, which needs the DOM lib (absent under node16 resolution). preserve keeps both in the .d.ts.
/// <reference lib="dom" preserve="true" />
/// <reference types="@webgpu/types" preserve="true" />
/**
 * @nabla/backend-webgpu in browsers (the `browser` export condition): registers 'webgpu' on
 * `navigator.gpu`. Pages must be a secure context (https, or localhost).
 */
import { registerBackend } from '@nabla/core';
import { WebGpuBackend, type WebGpuOptions } from './backend.js';

const advice = {
  where: 'in this browser',
  install:
    'Use a browser with WebGPU enabled (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows) on a page served over https or from localhost',
};

const browserGpu = async () => (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;

/** A webgpu backend with options (fusion, a fixed matmul kernel), to register under a name of your own. */
export const createWebGpuBackend = (name: string, options: WebGpuOptions = {}) => new WebGpuBackend(name, browserGpu, advice, options);

registerBackend('webgpu', () => createWebGpuBackend('webgpu'));

export * from './exports.js';
