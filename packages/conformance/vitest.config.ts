import { defineProject } from 'vitest/config';
import { alias, nodeTests } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: nodeTests('conformance', { testTimeout: 120_000 }),
});
