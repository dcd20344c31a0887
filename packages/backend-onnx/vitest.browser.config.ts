import { defineProject } from 'vitest/config';
import { alias, chromiumTests } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  // Found at run time (web.ts imports them dynamically), they made Vite optimize them mid-run and
  // reload the page on a fresh clone, failing the first browser test file to import.
  optimizeDeps: { include: ['onnxruntime-web/wasm', 'onnxruntime-web/webgpu'] },
  test: chromiumTests('backend-onnx-browser'),
});
