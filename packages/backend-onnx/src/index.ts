/**
 * @nabla/backend-onnx (Node): registers 'onnx' (onnxruntime-node, native) and 'onnx-wasm'
 * (onnxruntime-web's WebAssembly build, as browsers run it). In a browser, import
 * '@nabla/backend-onnx/web' instead.
 */
import { registerBackend } from '@nabla/core';
import * as ortWeb from 'onnxruntime-web';
import { OnnxBackend, type OrtModule } from './backend.js';
import { nodeRuntime } from './ort-node.js';

function threadsFromEnv(): number | undefined {
  const v = Number(process.env.NABLA_ONNX_THREADS);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

registerBackend('onnx', () => new OnnxBackend('onnx', nodeRuntime, { intraOpNumThreads: threadsFromEnv() }));
registerBackend('onnx-wasm', () => {
  ortWeb.env.wasm.numThreads = 1; // threads need cross-origin isolation in browsers and workers in Node
  return new OnnxBackend('onnx-wasm', ortWeb as unknown as OrtModule, { executionProviders: ['wasm'] });
});

export { OnnxBackend, type OnnxBackendOptions, type OrtModule } from './backend.js';
export { type Attr, type ConstTensor, OnnxGraphBuilder, type OnnxType } from './onnx/builder.js';
export { usesNativeSessions } from './ort-node.js';
