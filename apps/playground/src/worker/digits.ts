import * as nb from '@nabla/core';
import digitsUrl from '../../.generated/mnist-digits.bin?url';
import { onCpu, take } from './on-cpu.js';

/** Pixels per digit (28x28). */
export const PIXELS = 784;

export interface Digits {
  /** [n, 784] in [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
}

/** The file as bytes: gzipped as built, or already inflated by a server that sent it with Content-Encoding. */
async function fetchBytes(): Promise<Uint8Array> {
  const res = await fetch(digitsUrl);
  if (!res.ok) throw new nb.NablaError(`loading the MNIST digits: ${digitsUrl} answered HTTP ${res.status}`);
  const raw = new Uint8Array(await res.arrayBuffer());
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  const inflated = new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

let cache: Promise<Digits> | undefined;

/**
 * The 10,000 digits of the `mnist` package (build/digits.ts), ordered by seeded uniform keys as
 * the CLI's MNIST examples order them (seed 42): the same split whichever backend trains.
 */
export function loadDigits(): Promise<Digits> {
  cache ??= (async () => {
    const bytes = await fetchBytes();
    const magic = new TextDecoder().decode(bytes.subarray(0, 4));
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    if (magic !== 'NBDG' || bytes.length !== 8 + n * (1 + PIXELS))
      throw new nb.NablaError(`loading the MNIST digits: ${digitsUrl} is not the digits file (magic '${magic}', ${bytes.length} bytes)`);
    const keys = await onCpu(async () => take(nb.randomUniform([n], { seed: 42 })));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
    const images = new Float32Array(n * PIXELS);
    const labels = new Int32Array(n);
    order.forEach((from, to) => {
      labels[to] = bytes[8 + from];
      const at = 8 + n + from * PIXELS;
      for (let p = 0; p < PIXELS; p++) images[to * PIXELS + p] = bytes[at + p] / 255;
    });
    return { images, labels };
  })();
  cache.catch(() => {
    cache = undefined;
  });
  return cache;
}
