import { fileURLToPath } from 'node:url';

/**
 * Tests run against the packages' TypeScript sources, not their dist/ builds, so a test run
 * needs no build and reports source lines. Core's tests use the CPU backend through this alias
 * (not a package dependency, which would make core and backend-cpu depend on each other).
 */
const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export const alias = {
  '@nabla/core': src('core'),
  '@nabla/backend-cpu': src('backend-cpu'),
  '@nabla/nn': src('nn'),
};
