import { NablaError } from '@nabla/core';
import { COMPUTE_STAGE } from './gpu.js';

/**
 * Compute pipelines, created asynchronously and cached by WGSL source for the device's life.
 * Sources hold no sizes (kernels put them in uniforms), so a model of another width, or the
 * same step at another batch size, reuses every pipeline: slow first-run shader compilation is
 * the most common complaint about TensorFlow.js's WebGPU backend.
 *
 * Every kernel binds the same way (wgsl/prelude.ts): the uniform block, `reads` read-only
 * storage arrays, `writes` read_write ones. Explicit layouts, one per (reads, writes), rather
 * than 'auto', which would drop a binding a shader happens not to use.
 */
export interface PipelineStats {
  shaderModules: number;
  pipelines: number;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly layouts = new Map<string, { bindGroup: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private modules = 0;

  constructor(private readonly device: GPUDevice) {}

  layout(reads: number, writes: number): { bindGroup: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    const key = `${reads}:${writes}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } }];
      for (let k = 0; k < reads + writes; k++) {
        entries.push({ binding: 1 + k, visibility: COMPUTE_STAGE, buffer: { type: k < reads ? 'read-only-storage' : 'storage' } });
      }
      const bindGroup = this.device.createBindGroupLayout({ entries });
      l = { bindGroup, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroup] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  /** The pipeline for `wgsl`; `label` names the op in a compilation error. */
  get(wgsl: string, reads: number, writes: number, label: string): Promise<GPUComputePipeline> {
    const key = `${reads}:${writes}:${wgsl}`;
    let p = this.pipelines.get(key);
    if (!p) {
      this.modules++;
      const module = this.device.createShaderModule({ code: wgsl, label });
      p = this.device
        .createComputePipelineAsync({ layout: this.layout(reads, writes).pipeline, compute: { module, entryPoint: 'main' }, label })
        .catch(async (e: Error) => {
          this.pipelines.delete(key);
          const info = await module.getCompilationInfo?.().catch(() => undefined);
          const messages = info?.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
          throw new NablaError(`webgpu: the shader for ${label} did not compile: ${messages || e.message}`);
        });
      this.pipelines.set(key, p);
    }
    return p;
  }

  stats(): PipelineStats {
    return { shaderModules: this.modules, pipelines: this.pipelines.size };
  }
}
