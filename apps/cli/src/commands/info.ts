import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { WebGpuBackend } from '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { touchBackend } from '../backends.js';
import type { Io } from '../io.js';

/** The SwiftShader Vulkan driver of Debian's chromium package: WebGPU on a machine without a GPU. */
export const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Whether `name` computes here: a small sum read back (the first use is what finds a missing runtime or adapter). */
async function probe(name: string): Promise<string | undefined> {
  const previous = nb.getBackend();
  try {
    nb.setBackend(name);
    const t = nb.add(nb.tensor([1, 2, 3]), 1);
    const data = await t.data();
    t.dispose();
    if (data[0] !== 2 || data[2] !== 4) return `a test sum gave [${Array.from(data).join(', ')}], not [2, 3, 4]`;
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    nb.setBackend(previous);
  }
}

const bytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 1 : 0)} GiB` : `${(n / 2 ** 20).toFixed(n % 2 ** 20 ? 1 : 0)} MiB`;

function onnxThreads(): string {
  const fixed = Number(process.env.NABLA_ONNX_THREADS);
  if (Number.isInteger(fixed) && fixed > 0) return `intra-op threads: ${fixed} for every graph (NABLA_ONNX_THREADS=${fixed})`;
  return (
    "intra-op threads: 1 for graphs of little matrix work (or of many small products), onnxruntime's default " +
    '(one per physical core) for the rest; NABLA_ONNX_THREADS=N fixes it'
  );
}

/** What `nabla info` says about each backend beyond available or not. */
async function details(name: string): Promise<string[]> {
  switch (name) {
    case 'cpu':
      return ['plain TypeScript on the main thread'];
    case 'onnx':
      return [`ONNX Runtime ${ortNode.env.versions.node} (onnxruntime-node, native), CPU execution provider`, onnxThreads()];
    case 'onnx-wasm':
      return [
        `ONNX Runtime Web ${ortWeb.env.versions.web} (onnxruntime-web, WebAssembly)`,
        `threads: ${ortWeb.env.wasm.numThreads ?? 1} (threads need workers and cross-origin isolation)`,
      ];
    case 'onnx-webgpu':
      return [
        `ONNX Runtime ${ortNode.env.versions.node} (onnxruntime-node), WebGPU execution provider (Dawn on Vulkan); graphs with ops it lacks run on its CPU provider`,
        onnxThreads(),
      ];
    case 'webgpu': {
      const info = await (nb.getBackendInstance('webgpu') as WebGpuBackend).adapterInfo();
      const l = info.limits;
      const fields = (['vendor', 'architecture', 'device', 'description'] as const).filter((k) => info[k]).map((k) => `${k} '${info[k]}'`);
      return [
        `adapter: ${fields.join(', ') || 'no description'}${info.isFallbackAdapter ? ' (a fallback, software adapter)' : ''}`,
        `limits: maxBufferSize ${bytes(l.maxBufferSize)}, maxStorageBufferBindingSize ${bytes(l.maxStorageBufferBindingSize)}, ` +
          `maxStorageBuffersPerShaderStage ${l.maxStorageBuffersPerShaderStage}, maxComputeWorkgroupSizeX ${l.maxComputeWorkgroupSizeX}, ` +
          `maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}, maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize} bytes, ` +
          `maxComputeWorkgroupsPerDimension ${l.maxComputeWorkgroupsPerDimension}`,
        `Dawn (the webgpu package) on ${process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : "the machine's Vulkan driver"}`,
      ];
    }
    default:
      return [];
  }
}

/** Advice for a WebGPU backend without an adapter, beyond the backend's own message. */
function vulkanHint(): string | undefined {
  if (process.env.VK_ICD_FILENAMES)
    return `VK_ICD_FILENAMES is ${process.env.VK_ICD_FILENAMES}: check that the driver it names works (vulkaninfo)`;
  if (existsSync(SWIFTSHADER)) return `no GPU here? SwiftShader (software) is installed: VK_ICD_FILENAMES=${SWIFTSHADER} nabla info`;
  return undefined;
}

/**
 * `nabla info`: the machine (Node, CPUs) and each registered backend: available or why not, its
 * runtime's version and threads, the WebGPU adapter and its limits.
 */
export async function info(io: Io): Promise<number> {
  const cpu = cpus()[0]?.model.trim();
  io.out(`Node ${process.version} on ${process.platform} ${process.arch}, ${availableParallelism()} CPUs${cpu ? ` (${cpu})` : ''}`);
  const env = process.env.NABLA_BACKEND;
  io.out(
    `default backend: ${nb.getBackend()}${env ? ` (NABLA_BACKEND=${env})` : ' (the first registered; NABLA_BACKEND chooses another)'}`,
  );
  io.out('');
  for (const name of nb.listBackends()) {
    touchBackend(name);
    const dtypes = nb.getBackendInstance(name).capabilities.dtypes.join(', ');
    const problem = await probe(name);
    let lines: string[] = [];
    let why = problem;
    if (!why) {
      try {
        lines = await details(name);
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
    }
    if (why) {
      io.out(`${name}: not available`);
      io.out(`  why: ${why.replace(/\s+/g, ' ').replace(/ \)$/, ')')}`);
      if (name.includes('webgpu')) {
        const hint = vulkanHint();
        if (hint) io.out(`  ${hint}`);
      }
    } else {
      io.out(`${name}: available (${dtypes})`);
      for (const line of lines) io.out(`  ${line}`);
    }
  }
  return 0;
}
