import { createWebGpuBackend, matmulVariants } from '@nabla/backend-webgpu';
import * as nb from '@nabla/core';

/**
 * The WebGPU backend's matmul kernels one by one ('tiled' 64x64 tiles, 'tiled32', 'simple'; the
 * 'webgpu' row is 'auto', the choice every model gets), each as a backend of its own
 * ('webgpu-matmul-tiled32'), so that core caches each one's compiled graphs apart. 'matvec'
 * takes only a vector, and the bench's products are square.
 */
let registered: string[] | undefined;

/** The variants' backend names, registered on the first call. */
export function matmulVariantBackends(): string[] {
  registered ??= matmulVariants
    .filter((v) => v !== 'auto' && v !== 'matvec')
    .map((v) => {
      const name = `webgpu-matmul-${v}`;
      nb.registerBackend(name, () => createWebGpuBackend(name, { matmul: v }));
      return name;
    });
  return registered;
}
