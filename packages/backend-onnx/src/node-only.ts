/**
 * What a browser bundle gets for '@nabla/backend-onnx/node' (the package's `browser` export
 * condition): a clear error when the bundle loads, instead of a crash inside onnxruntime-node,
 * which needs Node's native addons. Browsers import '@nabla/backend-onnx', which resolves to the
 * onnxruntime-web entry there and registers 'onnx-wasm'.
 */
import { NablaError } from '@nabla/core';

throw new NablaError(
  "@nabla/backend-onnx/node runs onnxruntime-node and needs Node.js; in a browser, import '@nabla/backend-onnx' (it registers 'onnx-wasm')",
);
