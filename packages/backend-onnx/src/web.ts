/**
 * @nabla/backend-onnx in browsers (the `browser` export condition; also '@nabla/backend-onnx/web'):
 * registers 'onnx-wasm'. '#onnxruntime-web' (package.json "imports") is, in browsers,
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

registerBackend('onnx-wasm', () => new OnnxBackend('onnx-wasm', ortWeb as unknown as OrtModule, { executionProviders: ['wasm'] }));

export { OnnxBackend, type OnnxBackendOptions, type OrtModule } from './backend.js';
