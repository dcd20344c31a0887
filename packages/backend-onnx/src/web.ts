/**
 * @nabla/backend-onnx/web (browsers): registers 'onnx-wasm', onnxruntime-web's WebAssembly
 * build. Serve its .wasm files with your app (onnxruntime-web's env.wasm.wasmPaths says where).
 */
import { registerBackend } from '@nabla/core';
import * as ortWeb from 'onnxruntime-web';
import { OnnxBackend, type OrtModule } from './backend.js';

registerBackend('onnx-wasm', () => new OnnxBackend('onnx-wasm', ortWeb as unknown as OrtModule, { executionProviders: ['wasm'] }));

export { OnnxBackend, type OnnxBackendOptions, type OrtModule } from './backend.js';
