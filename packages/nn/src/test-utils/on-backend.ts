import * as nb from '@nabla/core';

/** Runs `fn` with `backend` as the default backend, restoring the previous default after it. */
export async function onBackend<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    return await fn();
  } finally {
    nb.setBackend(previous);
  }
}
