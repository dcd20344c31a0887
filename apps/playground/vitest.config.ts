import { defineProject } from 'vitest/config';

/**
 * The unit tests (src/) and the end-to-end tests (e2e/): those build the page, serve it and
 * drive it in headless Chromium with Playwright, so they get minutes, not vitest's 5 s.
 */
export default defineProject({
  test: {
    name: 'playground',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
