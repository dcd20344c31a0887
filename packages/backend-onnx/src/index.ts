/**
 * @nabla/backend-onnx (Node): registers 'onnx' (onnxruntime-node, native), 'onnx-wasm'
 * (onnxruntime-web's WebAssembly build, as browsers run it) and 'onnx-webgpu' (onnxruntime-node's
 * WebGPU execution provider, on Vulkan). In a browser, import '@nabla/backend-onnx/web' instead.
 */
import { registerBackend } from '@nabla/core';
import * as ortWeb from 'onnxruntime-web';
import { OnnxBackend, type OrtModule } from './backend.js';
import { nodeRuntime } from './ort-node.js';
import { OnnxWebGpuBackend } from './webgpu/backend.js';

/** onnxruntime-node's WebGPU provider is Dawn on Vulkan. */
const NO_ADAPTER =
  "onnxruntime-node's WebGPU execution provider runs on Vulkan: install the Vulkan loader (Debian/Ubuntu: libvulkan1) and a " +
  "Vulkan driver, a GPU's or a software one (Mesa's lavapipe 25 or newer, or the SwiftShader driver in Debian's chromium package " +
  'with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); or use the cpu, onnx or onnx-wasm backend';

function threadsFromEnv(): number | undefined {
  const v = Number(process.env.NABLA_ONNX_THREADS);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

registerBackend('onnx', () => new OnnxBackend('onnx', nodeRuntime, { intraOpNumThreads: threadsFromEnv() }));
registerBackend('onnx-wasm', () => {
  ortWeb.env.wasm.numThreads = 1; // threads need cross-origin isolation in browsers and workers in Node
  return new OnnxBackend('onnx-wasm', ortWeb as unknown as OrtModule, { executionProviders: ['wasm'] });
});
// Nothing touches the GPU until the first run, which fails with NO_ADAPTER's advice where there is none.
registerBackend(
  'onnx-webgpu',
  () =>
    new OnnxWebGpuBackend(
      'onnx-webgpu',
      { ort: nodeRuntime, cpu: { ort: nodeRuntime, provider: 'cpu' }, keepsTensorsOnGpu: false, noAdapterHelp: NO_ADAPTER },
      { intraOpNumThreads: threadsFromEnv() },
    ),
);

export { OnnxBackend, type OnnxBackendOptions, type OrtModule } from './backend.js';
export { type Attr, type ConstTensor, OnnxGraphBuilder, type OnnxType } from './onnx/builder.js';
export { usesNativeSessions } from './ort-node.js';
export type { CpuFallback, OnnxWebGpuBackend, OnnxWebGpuBackendOptions } from './webgpu/backend.js';
