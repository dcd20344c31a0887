/**
 * How nabla's browser tests (vitest.shared.ts) and the consumer test (scripts/consumer-test.mjs)
 * launch Chromium: Debian's build (scripts/test.sh installs it; CHROMIUM_PATH overrides), headless
 * and kept off the network.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    // WebGPU (onnx-webgpu's browser tests) on SwiftShader: --disable-gpu leaves it that adapter.
    '--enable-unsafe-webgpu',
  ],
};
