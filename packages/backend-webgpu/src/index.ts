// The public declarations name WebGPU types (GPUDevice...): users' TypeScript gets them from
// @webgpu/types, which needs the DOM lib (absent under node16 resolution). preserve keeps both in the .d.ts.
/// <reference lib="dom" preserve="true" />
/// <reference types="@webgpu/types" preserve="true" />
/**
 * @nabla/backend-webgpu in Node: registers 'webgpu' on Dawn, through the `webgpu` npm package
 * (its binary ships in the package). Dawn drives the machine's Vulkan driver (Metal on macOS,
 * D3D12 on Windows); without one there is no adapter, and the first run says what to install.
 */
import { registerBackend } from '@nabla/core';
import { WebGpuBackend, type WebGpuOptions } from './backend.js';

const advice = {
  where: 'in Node on this machine',
  install:
    "Dawn (the 'webgpu' package) needs a Vulkan driver on Linux: install the Vulkan loader and a driver " +
    '(Debian: apt-get install libvulkan1 mesa-vulkan-drivers; on a machine without a GPU, the SwiftShader driver in ' +
    "Debian's chromium package works with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)",
};

const dawn = async () => {
  const { create } = await import('webgpu');
  return create([]);
};

/** A webgpu backend with options (fusion, a fixed matmul kernel), to register under a name of your own. */
export const createWebGpuBackend = (name: string, options: WebGpuOptions = {}) => new WebGpuBackend(name, dawn, advice, options);

registerBackend('webgpu', () => createWebGpuBackend('webgpu'));

export * from './exports.js';
