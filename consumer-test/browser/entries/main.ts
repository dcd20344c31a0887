// The backend package's other entries in a browser bundle: '@nabla/backend-onnx/web' (kept for
// existing users) registers 'onnx-wasm'; the Node-only '@nabla/backend-onnx/node' must fail with
// nabla's clear message when it loads, not deep inside onnxruntime-node.
import { run } from '../report.js';

void run(async () => {
  await import('@nabla/backend-onnx/web');
  const { listBackends } = await import('@nabla/core');
  let nodeEntryError: string | null = null;
  try {
    await import('@nabla/backend-onnx/node');
  } catch (e) {
    nodeEntryError = e instanceof Error ? e.message : String(e);
  }
  return { backends: listBackends(), nodeEntryError };
});
