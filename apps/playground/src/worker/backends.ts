/**
 * The backends, registered in this worker: importing the packages registers 'cpu', 'onnx-wasm'
 * and 'onnx-webgpu' (backend-onnx's browser entry) and 'webgpu' (backend-webgpu's).
 */
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import { BACKENDS, type BackendName, type BackendStatus } from '../protocol.js';

/** A small computation on the backend, read back and checked: what "available" means here. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  const previous = nb.getBackend();
  try {
    nb.setBackend(name);
    const t = nb.tensor([1, 2, 3]).mul(2);
    try {
      const got = Array.from(await t.data());
      if (got.join() !== '2,4,6') return `computed [${got.join(', ')}] for [1, 2, 3] * 2`;
    } finally {
      t.dispose();
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    nb.setBackend(previous);
  }
}

/** Runs `p`, or says it took too long (a backend that never answers must not hang the page). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T | string> {
  return Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve(`${what} did not answer within ${ms / 1000} s`), ms))]);
}

/**
 * Which backends run in this browser. cpu and webgpu run a small computation. The ONNX Runtime
 * ones are not tried here: their WebAssembly is a download (14 MB for onnx-wasm, 27 MB for
 * onnx-webgpu) that only a run picking them should pay for, and a failure then shows in that
 * run; onnx-wasm needs WebAssembly, onnx-webgpu a WebGPU adapter as well.
 */
export async function probeBackends(): Promise<BackendStatus[]> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
  let adapterProblem: string | undefined;
  if (!gpu) adapterProblem = 'this browser has no WebGPU (navigator.gpu is missing; Chrome or Edge 113+, Safari 26+, Firefox 141+)';
  else {
    const adapter = await within(
      10_000,
      'requestAdapter',
      gpu.requestAdapter().catch(() => null),
    );
    if (typeof adapter === 'string') adapterProblem = adapter;
    else if (!adapter) adapterProblem = 'WebGPU is there but gives no adapter (disabled, or the GPU is blocklisted)';
  }
  const out: BackendStatus[] = [];
  for (const name of BACKENDS) {
    if ((name === 'webgpu' || name === 'onnx-webgpu') && adapterProblem) {
      out.push({ name, available: false, reason: adapterProblem });
      continue;
    }
    if (name === 'onnx-webgpu') {
      out.push({ name, available: true, reason: "onnxruntime-web's WebGPU build (27 MB, loaded on first use)" });
      continue;
    }
    if (name === 'onnx-wasm') {
      const wasm = typeof WebAssembly === 'object';
      const threads = globalThis.crossOriginIsolated ? 'several threads' : 'one thread: the page is not cross-origin isolated';
      out.push({
        name,
        available: wasm,
        reason: wasm ? `onnxruntime-web's WebAssembly build (14 MB, loaded on first use; ${threads})` : 'this browser has no WebAssembly',
      });
      continue;
    }
    const problem = await within(30_000, name, tryBackend(name));
    out.push({ name, available: problem === undefined, reason: problem ?? '' });
  }
  return out;
}
