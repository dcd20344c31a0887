import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { SWIFTSHADER } from './commands/info.js';

// The built command, as users run it (the package's test script builds it first).
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function nabla(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r;
}

test('the built nabla exits 0, 1 and 2 as the run went', () => {
  const ok = nabla(['train', 'seed', '--epochs', '40', '--lr', '0.1']);
  expect(ok.stdout).toMatch(/seed on cpu: 40 epochs .*target met/);
  expect(ok.status).toBe(0);
  const missed = nabla(['train', 'seed', '--epochs', '2']);
  expect(missed.stdout).toMatch(/seed on cpu: 2 epochs .*target NOT met/);
  expect(missed.status).toBe(1);
  const usage = nabla(['train', 'seed', '--batch-size', 'ten']);
  expect(usage.stderr).toMatch(/'--batch-size <n>' argument 'ten' is invalid/);
  expect(usage.status).toBe(2);
});

// Dawn keeps Node's process alive until its device is destroyed: that info ends at all (within the
// timeout) shows the backends it used were released.
test('the built nabla info describes the WebGPU adapter where there is one, and exits', () => {
  const swiftshader = existsSync(SWIFTSHADER);
  const r = nabla(['info'], swiftshader ? { VK_ICD_FILENAMES: SWIFTSHADER } : {});
  expect(r.status).toBe(0);
  if (swiftshader) {
    expect(r.stdout).toMatch(/^webgpu: available \(float32, int32, bool\)\n {2}adapter: .*'.+'.*\n {2}limits: maxBufferSize \d/m);
    expect(r.stdout).toMatch(/maxComputeInvocationsPerWorkgroup \d+/);
  } else {
    expect(r.stdout).toMatch(/^webgpu: not available\n {2}why: /m);
  }
});
