import * as nb from '@nabla/core';

/** Every backend this run touched: released at exit (a WebGPU device keeps Node alive until it is destroyed). */
const used = new Set<string>();

/** Selects `name` (or leaves the default: NABLA_BACKEND, else the first registered) and remembers it. */
export function useBackend(name: string | undefined): string {
  if (name !== undefined) nb.setBackend(name);
  const current = nb.getBackend();
  used.add(current);
  return current;
}

/** Notes that the run computes on `name` without selecting it (conformance, info). */
export function touchBackend(name: string): void {
  used.add(name);
}

/**
 * Destroys the devices and sessions of the backends this run used: a WebGPU device (Dawn)
 * keeps Node's process alive until it is destroyed. Failures are collected, not thrown, so that
 * one backend's trouble does not keep another's device alive.
 */
export async function releaseBackends(): Promise<string[]> {
  const problems: string[] = [];
  for (const name of used) {
    try {
      if (nb.listBackends().includes(name)) await nb.getBackendInstance(name).destroy?.();
    } catch (e) {
      problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  used.clear();
  return problems;
}
