import { defineProject } from 'vitest/config';
import { alias, nodeTests } from '../../vitest.shared.js';

// `pnpm test` runs this through scripts/with-vulkan.mjs, which points Dawn at a software Vulkan
// driver on machines without a GPU.
export default defineProject({
  resolve: { alias },
  test: nodeTests('backend-webgpu'),
});
