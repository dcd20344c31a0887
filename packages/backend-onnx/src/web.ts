/**
 * @nabla/backend-onnx in browsers (the `browser` export condition; also '@nabla/backend-onnx/web'):
 * registers 'onnx-wasm', and 'onnx-webgpu' (see below). '#onnxruntime-web' (package.json "imports") is, in browsers,
 * onnxruntime-web's WebAssembly-only build ('onnxruntime-web/wasm'), the only execution provider
 * nabla uses: its JavaScript is a third of the default build's, and the one .wasm file it loads,
 * ort-wasm-simd-threaded.wasm (14 MB), is half of the default's (ort-wasm-simd-threaded.jsep.wasm,
 * which adds WebGPU). Bundlers that understand `new URL(file, import.meta.url)` (Vite, webpack 5)
 * emit that file with the app; otherwise serve it and set `env.wasm.wasmPaths` from
 * 'onnxruntime-web/wasm' (the README says how). In Node it is onnxruntime-web's Node build.
 */
import { registerBackend } from '@nabla/core';
import * as ortWeb from '#onnxruntime-web';
import { OnnxBackend, type OrtModule } from './backend.js';
import { OnnxWebGpuBackend } from './webgpu/backend.js';
import { oneCallAtATime } from './webgpu/one-call-at-a-time.js';

registerBackend('onnx-wasm', () => new OnnxBackend('onnx-wasm', ortWeb as unknown as OrtModule, { executionProviders: ['wasm'] }));

/**
 * 'onnx-webgpu' runs onnxruntime-web's WebGPU build ('onnxruntime-web/webgpu': onnxruntime's own
 * WebGPU execution provider compiled to WebAssembly, the provider onnxruntime-node has, so both
 * lack the same kernels), loaded with its .wasm file (ort-wasm-simd-threaded.asyncify.wasm,
 * 27 MB) by the first session: apps that never use it never load it. Tensors made before then are
 * the WebAssembly build's, which the WebGPU build takes as they are (both read type, dims and
 * data).
 */
const webgpuRuntime = oneCallAtATime(() => import('onnxruntime-web/webgpu'), ortWeb.Tensor as unknown as OrtModule['Tensor']);
registerBackend(
  'onnx-webgpu',
  () =>
    new OnnxWebGpuBackend('onnx-webgpu', {
      ort: webgpuRuntime,
      cpu: { ort: ortWeb as unknown as OrtModule, provider: 'wasm' },
      keepsTensorsOnGpu: true,
      noAdapterHelp:
        'use a browser with WebGPU enabled (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows; headless Chromium needs --enable-unsafe-webgpu); ' +
        "in Node, import '@nabla/backend-onnx' rather than its /web entry: there 'onnx-webgpu' is onnxruntime-node's, on Vulkan",
    }),
);

export { OnnxBackend, type OnnxBackendOptions, type OrtModule } from './backend.js';
export type { CpuFallback, OnnxWebGpuBackend, OnnxWebGpuBackendOptions } from './webgpu/backend.js';
