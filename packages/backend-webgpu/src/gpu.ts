import { NablaError } from '@nabla/core';
import type { KernelLimits } from './kernels/kernel.js';

/** WebGPU's flag values, spelled out so that nothing depends on the globals a runtime may lack. */
export const Usage = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
export const MAP_READ = 1;
export const COMPUTE_STAGE = 4;

/** Where a GPU comes from: `navigator.gpu` in browsers, Dawn's `webgpu` package in Node. */
export type GpuSource = () => Promise<GPU | undefined>;

/** What to tell a user whose machine gives no adapter. */
export interface NoAdapterAdvice {
  where: string;
  install: string;
}

export interface Gpu {
  device: GPUDevice;
  /**
   * Held for the device's life: in Node, Dawn's instance is freed when its GPU object is
   * garbage-collected, and a device outliving it crashed the process at random moments.
   */
  instance: GPU;
  adapter: GPUAdapter;
  /** The adapter's description, for errors and `nabla info`. */
  description: string;
  limits: KernelLimits & {
    maxWorkgroupsPerDimension: number;
    maxBindingSize: number;
    maxBufferSize: number;
    uniformOffsetAlignment: number;
  };
  /** Set when the device is lost: every later use fails with it. */
  lost?: NablaError;
}

/**
 * Requests an adapter and a device with the adapter's own limits (the defaults cap storage
 * buffers and binding sizes far below what GPUs have). Never assumes a limit: kernels read them.
 */
export async function acquireGpu(source: GpuSource, advice: NoAdapterAdvice): Promise<Gpu> {
  let gpu: GPU | undefined;
  try {
    gpu = await source();
  } catch (e) {
    throw new NablaError(`webgpu: WebGPU is not available ${advice.where}: ${(e as Error).message}. ${advice.install}`);
  }
  if (!gpu) throw new NablaError(`webgpu: WebGPU is not available ${advice.where}. ${advice.install}`);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NablaError(`webgpu: no WebGPU adapter was found ${advice.where}. ${advice.install}`);
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
  };
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  const result: Gpu = {
    device,
    instance: gpu,
    adapter,
    description,
    limits: {
      maxInvocations: Math.min(256, a.maxComputeInvocationsPerWorkgroup, a.maxComputeWorkgroupSizeX),
      maxStorageBuffers: a.maxStorageBuffersPerShaderStage,
      maxWorkgroupStorage: a.maxComputeWorkgroupStorageSize,
      maxWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      maxBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      uniformOffsetAlignment: a.minUniformBufferOffsetAlignment,
    },
  };
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') result.lost = new NablaError(`webgpu: the device was lost (${info.reason}): ${info.message}`);
  });
  return result;
}
