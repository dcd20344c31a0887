import * as nb from '@nabla/core';
import '../web.js';
import { expect, test, vi } from 'vitest';
import { GpuTensor } from '../gpu-tensor.js';
import { PACK_LIMIT } from '../packing.js';
import type { OnnxWebGpuBackend } from './backend.js';

// onnxruntime-web's WebGPU build in headless Chromium (SwiftShader's adapter): what differs from
// Node, where outputs always come back to the host.
const backend = () => nb.getBackendInstance('onnx-webgpu') as OnnxWebGpuBackend;
const n = PACK_LIMIT + 1; // the smallest output kept on the GPU

/** y = x * 3 over n float32 elements. */
const tripled: nb.Graph = {
  inputs: [
    { shape: [n], dtype: 'float32' },
    { shape: [], dtype: 'float32', value: new Float32Array([3]) },
  ],
  nodes: [{ op: 'binary', attrs: { fn: 'mul' }, inputs: [0, 1], shape: [n], dtype: 'float32' } as nb.GraphNode],
  outputs: [2],
};

test('a large output stays on the GPU: fed to the next run as it is, read when asked, also after its session is released', async () => {
  const b = backend();
  const x = Float32Array.from({ length: n }, (_, i) => i);
  const exe = await b.compile(tripled);
  const [once] = await b.run(exe, [b.upload(x, 'float32', [n])]);
  expect(once).toBeInstanceOf(GpuTensor);
  const [twice] = await b.run(exe, [once]);
  expect(twice).toBeInstanceOf(GpuTensor);
  b.release(exe); // the outputs are onnxruntime-web's, not the session's
  // Reads at once share one download (the build refuses a second one under way).
  const [a, c] = await Promise.all([b.read(twice), b.read(twice)]);
  expect(a[5]).toBe(45);
  expect(Array.from(c)).toEqual(Array.from(x, (v) => v * 9));
  expect((await b.read(once))[n - 1]).toBe(3 * (n - 1));
  b.dispose(once);
  b.dispose(twice);
});

test('a float64 graph runs on the WebAssembly build, fed from the GPU, with one warning', async () => {
  nb.setBackend('onnx-webgpu');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const big = nb.mul(nb.tensor(Float32Array.from({ length: n }, (_, i) => i / 10)), 1); // kept on the GPU
  const y = nb.mul(nb.cast(big, 'float64'), 3);
  const data = await y.data();
  expect(data).toBeInstanceOf(Float64Array);
  expect(data[7]).toBe(Math.fround(0.7) * 3); // computed in double from the float32 value
  expect(warn).toHaveBeenCalledTimes(1);
  expect(warn.mock.calls[0][0]).toMatch(/no kernel for Cast\(float32 -> float64\).*Mul\(float64\)/);
  expect(
    backend()
      .cpuFallbacks()
      .map((f) => f.op),
  ).toEqual(['Cast(float32 -> float64)', 'Mul(float64)']);
  warn.mockRestore();
  nb.dispose([big, y]);
});
