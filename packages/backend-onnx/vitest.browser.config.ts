import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

/**
 * The suite in a real browser: Debian's Chromium, headless, driven by Playwright (no browser
 * download: scripts/setup.sh installs the chromium package). The flags keep it off the network.
 */
export default defineProject({
  resolve: { alias },
  test: {
    name: 'backend-onnx-browser',
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-gpu',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
