import { fileURLToPath } from 'node:url';

/**
 * Tests run against the packages' TypeScript sources, not their dist/ builds, so a test run
 * needs no build and reports source lines. Core's tests use the CPU backend through this alias
 * (not a package dependency, which would make core and backend-cpu depend on each other).
 */
const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export const alias = [
  { find: /^@nabla\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@nabla\/backend-cpu$/, replacement: src('backend-cpu/src/index.ts') },
  { find: /^@nabla\/nn$/, replacement: src('nn/src/index.ts') },
  { find: /^@nabla\/backend-onnx$/, replacement: src('backend-onnx/src/index.ts') },
  { find: /^@nabla\/conformance$/, replacement: src('conformance/src/index.ts') },
  { find: /^@nabla\/conformance\/vitest$/, replacement: src('conformance/src/vitest.ts') },
  { find: /^@nabla\/conformance\/node$/, replacement: src('conformance/src/node.ts') },
];
