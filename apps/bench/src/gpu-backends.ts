import * as nb from '@nabla/core';

/**
 * The GPU workloads' backends: nabla's own WGSL kernels and onnxruntime's WebGPU execution
 * provider, with the CPU backends beside them as the yardstick. A GPU backend that this machine
 * cannot run (no adapter, no Vulkan driver, the flavour not registered) gets a row saying why,
 * never a crash of the whole run.
 */
export const GPU_BACKENDS = ['webgpu', 'onnx-webgpu'];
export const DEFAULT_GPU_RUN = ['webgpu', 'onnx-webgpu', 'onnx', 'cpu'];

/** The first line of an error, at most 240 characters (the no-adapter advice is long). */
export function firstLine(e: unknown): string {
  const line = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

/** What the GPU backends expose beyond core's interface: WebGpuBackend's describe and stats, OnnxWebGpuBackend's cpuFallbacks. */
interface Described {
  describe?: () => Promise<string>;
  stats?: () => { buffers: number; bytes: number; shaderModules: number; pipelines: number };
  cpuFallbacks?: () => { op: string; nablaOps: string[]; graphs: number }[];
}

/**
 * Why `backend` cannot run here, or undefined if it can: it must be registered and compute a
 * small sum correctly (which makes the WebGPU device, so that its failure shows here, once).
 * Answers are remembered, since every GPU workload asks.
 */
const verdicts = new Map<string, Promise<string | undefined>>();
export function unavailable(backend: string): Promise<string | undefined> {
  let v = verdicts.get(backend);
  if (v === undefined) {
    v = probe(backend);
    verdicts.set(backend, v);
  }
  return v;
}

const adaptersSaid = new Set<string>();

async function probe(backend: string): Promise<string | undefined> {
  if (!nb.listBackends().includes(backend)) return `not available: no backend '${backend}' is registered in this build`;
  try {
    nb.setBackend(backend);
    const x = nb.tensor([1, 2, 3], [3]);
    const y = nb.add(x, 1);
    const got = Array.from(await y.data());
    nb.dispose([x, y]);
    if (got.join() !== '2,3,4') return `not available: 1+[1,2,3] gave [${got.join(', ')}]`;
  } catch (e) {
    return `not available: ${firstLine(e)}`;
  }
  const described = nb.getBackendInstance(backend) as unknown as Described;
  if (described.describe) {
    const adapter = await described.describe();
    // The matmul variants are devices on the same adapter: said once.
    if (adaptersSaid.has(adapter)) return undefined;
    adaptersSaid.add(adapter);
    const software = /swiftshader|llvmpipe|software|cpu/i.test(adapter);
    console.log(`${backend}: adapter ${adapter}${software ? ' (a software adapter: its figures say nothing about GPU speed)' : ''}`);
  }
  return undefined;
}

/**
 * After a workload, what the GPU backends hold and did: webgpu's buffers and pipelines (a leak
 * shows as growth from one workload to the next), and the ops onnx-webgpu ran on the CPU for
 * want of a WebGPU kernel (its figures then include those nodes on the CPU and the copies).
 */
export async function logGpuState(workload: string, backends: string[]): Promise<void> {
  for (const backend of backends.filter((b) => GPU_BACKENDS.includes(b))) {
    if ((await unavailable(backend)) !== undefined) continue;
    const instance = nb.getBackendInstance(backend) as unknown as Described;
    const stats = instance.stats?.();
    if (stats) {
      const mib = (stats.bytes / 2 ** 20).toFixed(1);
      console.log(
        `after ${workload}, ${backend}: ${stats.buffers} buffers (${mib} MiB), ${stats.shaderModules} shader modules, ${stats.pipelines} pipelines`,
      );
    }
    const fallbacks = instance.cpuFallbacks?.() ?? [];
    if (fallbacks.length) {
      const ops = fallbacks.map((f) => `${f.op} (from ${f.nablaOps.join(', ')}; ${f.graphs} graphs)`).join(', ');
      console.log(`after ${workload}, ${backend} ran on the CPU for want of a WebGPU kernel: ${ops}`);
    }
  }
}

/** Per op, how many graphs `backend` has run on the CPU for want of a WebGPU kernel (onnx-webgpu's cpuFallbacks); empty for others. */
export function fallbackCounts(backend: string): Map<string, number> {
  if (!nb.listBackends().includes(backend)) return new Map();
  const instance = nb.getBackendInstance(backend) as unknown as Described;
  return new Map((instance.cpuFallbacks?.() ?? []).map((f) => [f.op, f.graphs]));
}

/**
 * Runs `work` on `backend` and says, if any of its graphs went to onnxruntime's CPU provider
 * meanwhile, which ops sent them: its figure then measures the CPU for those graphs (onnx-webgpu
 * runs a graph that needs an op it lacks whole on the CPU), and its row must say so.
 */
export async function watchFallbacks<T>(backend: string, work: () => Promise<T>): Promise<{ value: T; remark?: string }> {
  const before = fallbackCounts(backend);
  const value = await work();
  const ops = [...fallbackCounts(backend)].filter(([op, graphs]) => graphs > (before.get(op) ?? 0)).map(([op]) => op.split('(')[0]);
  if (ops.length === 0) return { value };
  return {
    value,
    remark: `graphs with ${[...new Set(ops)].join(', ')} ran whole on onnxruntime's CPU provider: no WebGPU kernel for them`,
  };
}

/**
 * Releases the GPU backends' devices and sessions: Dawn keeps a Node process alive while a
 * device exists. Safe on backends never used (nothing to release).
 */
export async function destroyGpuBackends(): Promise<void> {
  // The matmul variants (gpu-matmul-variants.ts) are WebGPU backends of their own, each with a device.
  for (const b of nb.listBackends().filter((name) => GPU_BACKENDS.includes(name) || name.startsWith('webgpu-'))) {
    await nb.getBackendInstance(b).destroy?.();
  }
}

/**
 * Reads one element of `t` (the last), after realizing `t` itself: a GPU runs asynchronously, so
 * a timed region ends only when a read of something computed from its work has come back. The
 * read is of one element so that it costs nothing beside the work (reading all of an 8192x8192
 * product would take longer than computing it on a fast GPU).
 */
export async function settle(t: nb.Tensor): Promise<void> {
  const flat = nb.reshape(t, [-1]);
  const last = nb.slice(flat, [flat.shape[0] - 1], [1]);
  await nb.realize(t, last);
  await last.data();
  nb.dispose([flat, last]);
}
