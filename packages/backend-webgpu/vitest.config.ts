import { existsSync } from 'node:fs';
import { defineProject } from 'vitest/config';
import { alias, nodeTests } from '../../vitest.shared.js';

// A machine without a GPU (CI) has no Vulkan driver of its own: Dawn then runs on the SwiftShader
// driver that Debian's chromium ships. The library never sets this; the tests do, when unset.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env: Record<string, string> = {};
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;

export default defineProject({
  resolve: { alias },
  // Dawn aborts (std::system_error) inside vitest's forked workers, not in worker threads or
  // in a plain node process.
  test: { ...nodeTests('backend-webgpu'), env, pool: 'threads' },
});
