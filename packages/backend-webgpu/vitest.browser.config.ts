import { defineProject } from 'vitest/config';
import { alias, chromiumTests } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: chromiumTests('backend-webgpu-browser'),
});
