import type * as nb from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { WebGpuBackend } from './backend.js';
import { createWebGpuBackend } from './index.js';

const advice = { where: 'in this test', install: 'Install a WebGPU driver' };

describe('WebGpuBackend without a GPU', () => {
  it('says what to install when there is no WebGPU at all, and again on every later call', async () => {
    const backend = new WebGpuBackend('no-gpu', async () => undefined, advice);
    const x = backend.upload(new Float32Array([1, 2]), 'float32', [2]);
    await expect(backend.read(x, 'float32', 2)).resolves.toEqual(new Float32Array([1, 2])); // still on the host
    const graph: nb.Graph = { inputs: [{ shape: [2], dtype: 'float32' }], nodes: [], outputs: [0] };
    await expect(backend.compile(graph)).rejects.toThrow('webgpu: WebGPU is not available in this test. Install a WebGPU driver');
    await expect(backend.compile(graph)).rejects.toThrow('Install a WebGPU driver');
  });

  it('says what to install when no adapter is found', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const backend = new WebGpuBackend('no-adapter', async () => gpu, advice);
    const graph: nb.Graph = { inputs: [{ shape: [2], dtype: 'float32' }], nodes: [], outputs: [0] };
    await expect(backend.compile(graph)).rejects.toThrow('webgpu: no WebGPU adapter was found in this test. Install a WebGPU driver');
  });

  it('checks its options: a misspelt key or an unknown matmul kernel is an error', () => {
    expect(() => createWebGpuBackend('x', { fusoin: false } as never)).toThrow(/fusoin/);
    expect(() => createWebGpuBackend('x', { matmul: 'fastest' as never })).toThrow(/matmul/);
    expect(() => createWebGpuBackend('x', { fusion: 'no' as never })).toThrow(/fusion/);
  });
});
