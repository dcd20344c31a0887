import '@nabla/backend-cpu';
import './index.js';
import * as nb from '@nabla/core';
import { afterAll, expect, it } from 'vitest';
import type { WebGpuBackend } from './backend.js';
import { createWebGpuBackend } from './index.js';

const backend = nb.getBackendInstance('webgpu') as WebGpuBackend;

afterAll(async () => {
  await backend.destroy();
});

// scripts/with-vulkan.mjs gives these tests SwiftShader where the machine has no GPU.
it("adapterInfo names the adapter and gives the device's limits, which are the adapter's", async () => {
  const info = await backend.adapterInfo();
  expect(`${info.vendor}${info.architecture}${info.device}${info.description}`).not.toBe('');
  // The same words the backend's own description is made of.
  expect(await backend.describe()).toContain(info.description || info.device || info.vendor);
  for (const [name, value] of Object.entries(info.limits)) {
    expect(Number.isInteger(value) && value > 0, `${name} = ${value}`).toBe(true);
  }
  // WebGPU's guaranteed minimums: a device with its adapter's limits has at least these.
  expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
  expect(info.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  expect(info.limits.maxBufferSize).toBeGreaterThanOrEqual(info.limits.maxStorageBufferBindingSize);
});

it('adapterInfo without a GPU fails as a run would, saying what to install', async () => {
  const none = createWebGpuBackend('webgpu-none');
  // A source with no adapter: the backend's own advice, the same as the first run's.
  Object.assign(none, { source: async () => ({ requestAdapter: async () => null }) });
  await expect(none.adapterInfo()).rejects.toThrow(/no WebGPU adapter was found in Node on this machine.*VK_ICD_FILENAMES/s);
});
