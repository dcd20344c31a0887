import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { writeDigits } from './build/digits.js';

const digitsFile = fileURLToPath(new URL('./.generated/mnist-digits.bin', import.meta.url));

/** Makes the digits file (build/digits.ts) before Vite resolves the worker's `?url` import of it. */
function mnistDigits(): Plugin {
  return {
    name: 'nabla-mnist-digits',
    buildStart() {
      writeDigits(digitsFile);
    },
  };
}

/**
 * Cross-origin isolation (COOP and COEP) gives the page SharedArrayBuffer, which
 * onnxruntime-web needs to run its WebAssembly on several threads; without it, one thread.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset URLs: the built page works from any folder of a static host.
  base: './',
  plugins: [mnistDigits()],
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    target: 'es2022',
    // onnxruntime-web's and the conformance fixtures' chunks are large by nature.
    chunkSizeWarningLimit: 2000,
  },
  // Found at run time (backend-onnx's web entry imports them lazily), they made Vite's dev server
  // optimize them mid-session and reload the page. They are backend-onnx's dependencies, not ours.
  optimizeDeps: { include: ['@nabla/backend-onnx > onnxruntime-web/wasm', '@nabla/backend-onnx > onnxruntime-web/webgpu'] },
});
