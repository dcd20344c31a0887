import * as nb from '@nabla/core';
import '@nabla/backend-cpu';
import '../index.js';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { OrtModule } from '../backend.js';
import { OnnxGraphBuilder } from '../onnx/builder.js';
import { nodeRuntime } from '../ort-node.js';
import { OnnxWebGpuBackend } from './backend.js';
import { missingKernels, signatureOf } from './kernels.js';

// The Node side of 'onnx-webgpu': onnxruntime-node's WebGPU provider, on the Vulkan driver the
// vitest config points at (SwiftShader on machines without a GPU).
afterEach(() => {
  nb.setBackend('cpu');
  vi.restoreAllMocks();
});

const backend = () => nb.getBackendInstance('onnx-webgpu') as OnnxWebGpuBackend;

test('a training step runs on the GPU as one session and matches the cpu backend', async () => {
  const step = () => {
    const x = nb.tensor([[1], [2], [3]]);
    const w = nb.tensor([[0.5]]);
    const { value, grads } = nb.valueAndGrad((p: nb.Tensor) => nb.mean(nb.square(nb.sub(nb.matmul(x, p), nb.mul(x, 2)))))(w);
    return Promise.all([value.item(), grads.item()]) as Promise<number[]>;
  };
  nb.setBackend('cpu');
  const expected = await step();
  nb.setBackend('onnx-webgpu');
  const before = backend().cpuFallbacks().length;
  const [loss, grad] = await step();
  expect(loss).toBeCloseTo(expected[0], 5);
  expect(grad).toBeCloseTo(expected[1], 5);
  expect(backend().cpuFallbacks()).toHaveLength(before); // float32 through and through: nothing ran on the CPU
  expect(backend().capabilities.copiesInputsPerRun).toBe(true); // every run uploads its host inputs
});

test('a graph the WebGPU provider lacks a kernel for runs on the CPU, warned once per ONNX op and listed by cpuFallbacks', async () => {
  nb.setBackend('onnx-webgpu');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const x = nb.tensor([0.1, 0.2, 0.3], [3], 'float64');
  // float64 has no WebGPU kernels; the CPU computes it in double: 0.1 * 3 is 0.30000000000000004.
  expect(Array.from(await nb.mul(x, 3).data())).toEqual([0.1 * 3, 0.2 * 3, 0.3 * 3]);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(warn.mock.calls[0][0]).toContain("no kernel for Mul(float64) (nabla op 'mul')");
  expect(Array.from(await nb.mul(x, x).data())).toEqual([0.1 * 0.1, 0.2 * 0.2, 0.3 * 0.3]); // another graph, the same op
  expect(warn).toHaveBeenCalledTimes(1);
  expect(
    backend()
      .cpuFallbacks()
      .find((f) => f.op === 'Mul(float64)'),
  ).toEqual({ op: 'Mul(float64)', nablaOps: ['mul'], graphs: 2 });
});

test('the missing kernels are found node by node, with the types onnxruntime infers', async () => {
  const b = new OnnxGraphBuilder();
  const x = b.input('x', 'float32', [4]);
  const doubled = b.op('Mul', [b.cast(x, 'float64'), b.scalar('float64', 2)]);
  b.output('y', b.op('Add', [b.cast(doubled, 'float32'), x]), 'float32', [4]);
  const ort = nodeRuntime;
  const prober = {
    async outputMetadata(model: Uint8Array) {
      const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
      return s.outputMetadata ?? [];
    },
    async createStrict(model: Uint8Array) {
      await ort.InferenceSession.create(model, {
        executionProviders: ['webgpu'],
        logSeverityLevel: 4,
        extra: { session: { disable_cpu_ep_fallback: '1' } },
      });
    },
  };
  const known = new Map<string, boolean>();
  const missing = await missingKernels(b, prober, known);
  expect(missing.map((m) => m.signature)).toEqual(['Cast(float32 -> float64)', 'Mul(float64)', 'Cast(float64 -> float32)']);
  expect(known.get('Add(float32)')).toBe(true);
  const info = (type: number) => ({ name: '', elemType: type as 1 });
  expect(signatureOf({ opType: 'Where', input: ['c', 'a', 'b'], output: ['y'] }, (v) => info(v === 'c' ? 9 : 1))).toBe(
    'Where(bool, float32, float32)',
  );
  expect(signatureOf({ opType: 'Equal', input: ['a', 'b'], output: ['y'] }, (v) => info(v === 'y' ? 9 : 6))).toBe('Equal(int32 -> bool)');
});

test('no WebGPU adapter: the backend is made without touching the GPU, and its first run says what to install', async () => {
  const noAdapter = {
    Tensor: nodeRuntime.Tensor,
    InferenceSession: {
      create: () => Promise.reject(new Error('webgpu_context.cc:136 Failed to get a WebGPU adapter: No supported adapters')),
    },
  } as OrtModule;
  nb.registerBackend(
    'webgpu-without-adapter',
    () =>
      new OnnxWebGpuBackend('webgpu-without-adapter', {
        ort: noAdapter,
        cpu: { ort: nodeRuntime, provider: 'cpu' },
        keepsTensorsOnGpu: false,
        noAdapterHelp: 'install libvulkan1 and a Vulkan driver',
      }),
  );
  nb.setBackend('webgpu-without-adapter');
  const y = nb.exp(nb.tensor([1, 2]));
  await expect(y.data()).rejects.toThrow(
    "backend 'webgpu-without-adapter' found no WebGPU adapter: install libvulkan1 and a Vulkan driver (onnxruntime: webgpu_context.cc:136 Failed to get a WebGPU adapter",
  );
  await expect(y.data()).rejects.toBeInstanceOf(nb.NablaError);
});

describe('lowerings for the WebGPU provider', () => {
  test('sin and cos are float32-accurate far from 0 (WGSL leaves their error unbounded outside [-pi, pi])', async () => {
    const n = 20001;
    const xs = Float32Array.from({ length: n }, (_, i) => -1000 + (2000 * i) / (n - 1));
    nb.setBackend('onnx-webgpu');
    const x = nb.tensor(xs);
    const [sin, cos] = await Promise.all([nb.sin(x).data(), nb.cos(x).data()]);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sin[i] - Math.sin(xs[i])), Math.abs(cos[i] - Math.cos(xs[i])));
    expect(worst).toBeLessThan(2e-7); // float32 carries about 6e-8 here; WGSL's sin on SwiftShader was 1e-4 off at 8
    expect(Array.from(await nb.sin(nb.tensor([Number.NaN, Number.POSITIVE_INFINITY, -0])).data())).toEqual([Number.NaN, Number.NaN, -0]);
  });

  test('Pow broadcasting along the last axis, which onnxruntime fails to run, gives what cpu gives', async () => {
    const shapes: [number[], number[]][] = [
      [
        [3, 4],
        [3, 1],
      ],
      [
        [3, 1],
        [1, 4],
      ],
      [
        [2, 3, 4],
        [1, 3, 1],
      ],
      [[3, 4], []],
    ];
    for (const [sa, sb] of shapes) {
      const f = () => nb.pow(nb.add(nb.randomUniform(sa, { seed: 1 }), 0.5), nb.randomUniform(sb, { seed: 2, minval: -2, maxval: 2 }));
      nb.setBackend('cpu');
      const expected = await f().data();
      nb.setBackend('onnx-webgpu');
      const got = await f().data();
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i], 5);
    }
  });
});
