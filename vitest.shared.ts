import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';

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
  { find: /^@nabla\/backend-webgpu$/, replacement: src('backend-webgpu/src/index.ts') },
  { find: /^@nabla\/conformance$/, replacement: src('conformance/src/index.ts') },
  { find: /^@nabla\/conformance\/vitest$/, replacement: src('conformance/src/vitest.ts') },
  { find: /^@nabla\/conformance\/node$/, replacement: src('conformance/src/node.ts') },
];

/**
 * A package's Node tests. They assert results, not speed, so the time limit is generous: turbo
 * runs every package's tests at once on CI's two cores, where the heaviest test (core's
 * 100,000-sample random moments, 0.5 s alone) once ran past vitest's 5 s default.
 */
export function nodeTests(name: string, opts: { testTimeout?: number } = {}) {
  return {
    name,
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.browser.test.ts'],
    testTimeout: opts.testTimeout ?? 60_000,
  };
}

/**
 * vitest's browser mode on Debian's Chromium, headless, driven by Playwright (no browser
 * download: scripts/test.sh installs the chromium package). The flags keep it off the network.
 */
export function chromiumTests(name: string) {
  return {
    name,
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: chromiumLaunchOptions,
      }),
      instances: [{ browser: 'chromium' as const }],
    },
  };
}
