import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The folder to put on PYTHONPATH for `python3 -m nabla_dist` (the launcher ships in this package). */
export const pythonPath: string = fileURLToPath(new URL('../python', import.meta.url));

/**
 * A Python that can import torch and numpy: NABLA_PYTHON when set, else `python3` on PATH, else
 * Debian's /usr/bin/python3 (where python3-torch installs, behind a pyenv or venv python3 that
 * may lack it). Undefined, with the reason, when there is none.
 */
export function findPython(env: Record<string, string | undefined> = process.env): { python?: string; reason: string } {
  const candidates = env.NABLA_PYTHON ? [env.NABLA_PYTHON] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy, torch.distributed as d; print(torch.__version__, d.is_available())'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const [version, available] = (r.stdout ?? '').trim().split(' ');
    if (r.status === 0 && available === 'True') return { python, reason: `${python}: torch ${version}` };
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() || `torch.distributed unavailable (${r.stdout})`;
    tried.push(`${python}: ${why}`);
  }
  return {
    reason:
      `no Python with torch and numpy (${tried.join('; ')}): install them (Debian/Ubuntu: apt-get install python3-torch python3-numpy ` +
      'libopenblas0-pthread) or set NABLA_PYTHON to a python that has them',
  };
}
