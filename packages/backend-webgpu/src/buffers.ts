import { NablaError } from '@nabla/core';
import { Usage } from './gpu.js';

/**
 * GPU buffers, pooled by size. A tensor's storage, a run's outputs and an executable's scratch
 * all come from here and go back here, so a training loop that runs the same step again and
 * again creates no buffer after its first steps: the count and bytes stay flat.
 *
 * Reuse is safe without fences because every use goes through the one queue in order: a buffer
 * released after the work that reads it was submitted is written only by later submissions.
 */
export const STORAGE_USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;

/** Buffers are whole 16-byte units, at least one: WebGPU rejects zero-sized bindings. */
export const roundBytes = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);

export interface PoolStats {
  /** GPU buffers that exist now (in use or pooled) and their bytes. */
  buffers: number;
  bytes: number;
  /** Of those, buffers waiting in the pool for reuse. */
  pooled: number;
  pooledBytes: number;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private count = 0;
  private total = 0;
  private pooledCount = 0;
  private pooledTotal = 0;

  /** Free buffers beyond this many bytes are destroyed rather than kept. */
  constructor(
    private readonly device: GPUDevice,
    private readonly keepBytes = 256 * 1024 * 1024,
  ) {}

  acquire(bytes: number, usage: number = STORAGE_USAGE, label = 'nabla'): GPUBuffer {
    const size = roundBytes(bytes);
    const list = this.free.get(`${usage}:${size}`);
    const reused = list?.pop();
    if (reused) {
      this.pooledCount--;
      this.pooledTotal -= size;
      return reused;
    }
    let buffer: GPUBuffer;
    try {
      buffer = this.device.createBuffer({ size, usage, label });
    } catch (e) {
      throw new NablaError(`webgpu: cannot allocate a buffer of ${size} bytes for ${label}: ${(e as Error).message}`);
    }
    this.count++;
    this.total += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.pooledTotal + size > this.keepBytes) {
      this.destroy(buffer);
      return;
    }
    const key = `${buffer.usage}:${size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
    this.pooledCount++;
    this.pooledTotal += size;
  }

  /** Destroys a buffer outright (one not from the pool's free lists). */
  destroy(buffer: GPUBuffer): void {
    this.count--;
    this.total -= buffer.size;
    buffer.destroy();
  }

  stats(): PoolStats {
    return { buffers: this.count, bytes: this.total, pooled: this.pooledCount, pooledBytes: this.pooledTotal };
  }

  /** Destroys every pooled buffer (buffers in use are the tensors' and executables'). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.destroy(b);
    this.free.clear();
    this.pooledCount = 0;
    this.pooledTotal = 0;
  }
}
