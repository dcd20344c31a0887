import { defineProject } from 'vitest/config';
import { alias, chromiumTests } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  // Found at run time (web.ts imports it dynamically), it made Vite optimize it mid-run and reload
  // the page on a fresh clone, failing the first browser test file to import.
  optimizeDeps: { include: ['onnxruntime-web/wasm'] },
  test: chromiumTests('backend-onnx-browser'),
});
