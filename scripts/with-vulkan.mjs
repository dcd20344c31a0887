#!/usr/bin/env node
/**
 * Runs a command with a Vulkan driver for Dawn: on a machine without a GPU (CI) there is none,
 * so VK_ICD_FILENAMES points at the SwiftShader driver that Debian's chromium ships, when it is
 * unset and that file exists. The library never sets it; the WebGPU tests and examples do, here.
 * Set before the process starts because the Vulkan loader reads the process's real environment,
 * which a vitest worker thread's process.env (a copy) does not change.
 *   node scripts/with-vulkan.mjs vitest run
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env };
if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) env.VK_ICD_FILENAMES = SWIFTSHADER;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-vulkan.mjs COMMAND [ARGS...]');
  process.exit(2);
}
const r = spawnSync(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
if (r.error) {
  console.error(`with-vulkan: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
