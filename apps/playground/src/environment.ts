/** What a bug report needs to know about this browser: its user agent and its WebGPU adapter. */
export interface Environment {
  userAgent: string;
  hardwareThreads: number;
  crossOriginIsolated: boolean;
  adapter: string;
}

export async function describeEnvironment(): Promise<Environment> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  let adapter = 'none: this browser has no navigator.gpu';
  if (gpu) {
    try {
      const a = await gpu.requestAdapter();
      if (!a) adapter = 'none: requestAdapter() gave null';
      else {
        const i = a.info;
        const parts = [i.vendor, i.architecture, i.device, i.description].filter((p) => p);
        adapter = `${parts.join(' / ') || 'an adapter that gives no description'}${a.info.isFallbackAdapter ? ' (fallback adapter)' : ''}; maxBufferSize ${a.limits.maxBufferSize}, maxComputeInvocationsPerWorkgroup ${a.limits.maxComputeInvocationsPerWorkgroup}`;
      }
    } catch (e) {
      adapter = `none: requestAdapter() threw ${(e as Error).message}`;
    }
  }
  return {
    userAgent: navigator.userAgent,
    hardwareThreads: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    adapter,
  };
}
