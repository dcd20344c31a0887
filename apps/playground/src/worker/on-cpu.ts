import * as nb from '@nabla/core';

/**
 * Runs `f` with 'cpu' as the current backend. Tasks make their data there: nabla's random
 * numbers (Philox) are bit-identical on every backend, so the data are the same whichever
 * backend then trains on them, and cpu is always present and synchronous.
 */
export async function onCpu<T>(f: () => Promise<T>): Promise<T> {
  const previous = nb.getBackend();
  nb.setBackend('cpu');
  try {
    return await f();
  } finally {
    nb.setBackend(previous);
  }
}

/** A tensor's values on the host, the tensor freed. */
export async function take(t: nb.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from(await t.data());
  } finally {
    t.dispose();
  }
}
