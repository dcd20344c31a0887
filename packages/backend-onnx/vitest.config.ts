import { existsSync } from 'node:fs';
import { defineProject } from 'vitest/config';
import { alias, nodeTests } from '../../vitest.shared.js';

/**
 * 'onnx-webgpu' needs a Vulkan driver. Where none is chosen, the tests use the SwiftShader driver
 * of Debian's chromium package if it is there, so that they run on machines without a GPU (CI);
 * the library itself never sets it. It reaches onnxruntime's native code only because vitest's
 * default pool runs tests in child processes, whose environment this sets.
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const vulkan = process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD) ? { VK_ICD_FILENAMES: SWIFTSHADER_ICD } : {};

export default defineProject({
  resolve: { alias },
  test: { ...nodeTests('backend-onnx'), env: vulkan },
});
