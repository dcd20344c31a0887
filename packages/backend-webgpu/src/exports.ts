// The package's API besides the backend's registration, the same from both entries (index.ts for
// Node through Dawn, web.ts for browsers).
export {
  type GpuStorage,
  type Program,
  type WebGpuAdapterInfo,
  WebGpuBackend,
  type WebGpuOptions,
  type WebGpuStats,
} from './backend.js';
export { type MatmulVariant, matmulVariants } from './kernels/matmul.js';
