/**
 * @nabla/backend-cpu: importing this module registers the 'cpu' backend.
 */
import { registerBackend } from '@nabla/core';
import { CpuBackend } from './backend.js';

registerBackend('cpu', () => new CpuBackend());

export { CpuBackend } from './backend.js';
export type { Kernel, KernelFactory, KernelOverrides } from './plan.js';
