import { defineProject } from 'vitest/config';
import { alias, nodeTests } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: nodeTests('distributed', { testTimeout: 120_000 }),
});
