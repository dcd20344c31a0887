import * as nb from '@nabla/core';

/**
 * The WebGPU backend's matmul kernels one by one (its kernels/matmul.ts has 'tiled' 64x64,
 * 'tiled32', 'matvec', 'simple' and 'auto', the choice every model gets), each as a backend of
 * its own ('webgpu-matmul-tiled32'), so that core caches each one's compiled graphs apart.
 *
 * The hook: this needs @nabla/backend-webgpu's entry point to export `matmulVariants` (the names)
 * and `createWebGpuBackend(name, { matmul: variant })` (a backend on the same device source as
 * 'webgpu', whose matmul uses that kernel). Until it does, gpu-matmul times 'auto' alone (the
 * 'webgpu' row) and says so once.
 */
interface VariantExports {
  matmulVariants?: readonly string[];
  createWebGpuBackend?: (name: string, options: { matmul: string }) => nb.Backend;
}

let registered: string[] | undefined;

/** The backends of the variants other than 'auto' (registered on first call), or [] with a line saying why. */
export async function matmulVariantBackends(): Promise<string[]> {
  if (registered) return registered;
  const mod = (await import('@nabla/backend-webgpu')) as unknown as VariantExports;
  const { matmulVariants, createWebGpuBackend } = mod;
  if (!Array.isArray(matmulVariants) || typeof createWebGpuBackend !== 'function') {
    console.log(
      'gpu-matmul: the matmul kernel variants are not selectable from @nabla/backend-webgpu (it would need to export matmulVariants and createWebGpuBackend(name, { matmul })); timing its automatic choice only',
    );
    registered = [];
    return registered;
  }
  registered = matmulVariants
    .filter((v) => v !== 'auto' && v !== 'matvec') // matvec takes only a vector; the bench's products are square
    .map((v) => {
      const name = `webgpu-matmul-${v}`;
      nb.registerBackend(name, () => createWebGpuBackend(name, { matmul: v }));
      return name;
    });
  return registered;
}
