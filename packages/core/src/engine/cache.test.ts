import { CpuBackend } from '@nabla/backend-cpu';
import { afterAll, describe, expect, test } from 'vitest';
import * as nb from '../index.js';

/** The CPU backend, counting what core's cache compiles and releases. */
class CountingBackend extends CpuBackend {
  compiled = 0;
  released: unknown[] = [];
  override compile(graph: nb.Graph) {
    this.compiled++;
    return super.compile(graph);
  }
  release(plan: unknown): void {
    this.released.push(plan);
  }
}

const backend = new CountingBackend('cache-test');
nb.registerBackend('cache-test', () => backend);
const defaults = nb.cacheStats('cpu').limits;

afterAll(() => {
  nb.setCacheLimits(defaults);
  nb.setBackend('cpu');
});

/** Compiles and runs a graph whose plan keeps one scratch buffer of n float32 (exp's output). */
function compileSize(n: number): void {
  nb.setBackend('cache-test');
  const x = nb.ones([n]);
  const s = nb.sum(nb.exp(x));
  s.dataSync();
  nb.dispose([x, s]);
  nb.setBackend('cpu');
}

describe('the executable cache', () => {
  test('bounds the bytes of its executables per backend, evicting the least recently used and releasing them', () => {
    const limit = 1 << 20;
    const before = nb.setCacheLimits({ bytes: limit });
    expect(before.bytes).toBe(256 * 2 ** 20); // the documented default
    const start = backend.compiled;
    for (let k = 1; k <= 20; k++) {
      compileSize(k * 20_000); // 80 KB of scratch per k: 16.8 MB in all
      const stats = nb.cacheStats('cache-test');
      // Under the limit, or only the newest (kept whatever its size: from k = 14 on, one is over).
      if (stats.size > 1) expect(stats.bytes).toBeLessThanOrEqual(limit);
      expect(stats.bytes).toBeGreaterThanOrEqual(k * 80_000);
    }
    expect(backend.compiled - start).toBe(20);
    // Evicted oldest first: the released plans' scratch grows as the shapes did.
    const sizes = backend.released.map((p) => (p as { scratch: Float32Array[] }).scratch[0].length);
    expect(sizes.length).toBeGreaterThan(10);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes[0]).toBe(20_000);
    // The smallest shape was evicted, so it compiles again; the newest was kept, so it does not.
    const compiled = backend.compiled;
    compileSize(400_000);
    expect(backend.compiled).toBe(compiled);
    compileSize(20_000);
    expect(backend.compiled).toBe(compiled + 1);
  });

  test('cacheStats reports the estimated bytes, the sum of the backend`s own estimates', () => {
    nb.setCacheLimits({ bytes: 64 << 20 });
    compileSize(1000);
    compileSize(3000);
    const stats = nb.cacheStats('cache-test');
    expect(stats.bytes).toBeGreaterThanOrEqual(4 * (1000 + 3000));
    expect(stats.limits.bytes).toBe(64 << 20);
  });

  test('still bounds the number of entries, and lowering a limit trims at once', () => {
    nb.setCacheLimits({ entries: 512, bytes: 64 << 20 });
    for (let k = 1; k <= 6; k++) compileSize(100 + k);
    expect(nb.cacheStats('cache-test').size).toBeGreaterThanOrEqual(6);
    const released = backend.released.length;
    nb.setCacheLimits({ entries: 3 });
    expect(nb.cacheStats('cache-test').size).toBe(3);
    expect(backend.released.length).toBeGreaterThan(released);
    nb.setCacheLimits({ bytes: 0 }); // the most recent executable is always kept
    expect(nb.cacheStats('cache-test').size).toBe(1);
    nb.setCacheLimits(defaults);
  });

  test('an executable evicted while its run is in flight is released once the run is done', async () => {
    /** An asynchronous backend whose runs wait for a gate. */
    class GatedBackend extends CpuBackend {
      override readonly capabilities = { dtypes: nb.DTYPES, sync: false };
      released: unknown[] = [];
      started = 0;
      open: () => void = () => {};
      private readonly gate = new Promise<void>((resolve) => {
        this.open = resolve;
      });
      override run(plan: Parameters<CpuBackend['run']>[0], inputs: nb.TypedArray[]): never {
        this.started++;
        return this.gate.then(() => super.run(plan, inputs)) as never;
      }
      release(plan: unknown): void {
        this.released.push(plan);
      }
    }
    const gated = new GatedBackend('cache-gated');
    nb.registerBackend('cache-gated', () => gated);
    nb.setCacheLimits({ entries: 1 });
    nb.setBackend('cache-gated');
    const a = nb.exp(nb.zeros([3]));
    const b = nb.exp(nb.zeros([5]));
    nb.setBackend('cpu');
    const readA = a.data();
    while (gated.started < 1) await Promise.resolve();
    const readB = b.data(); // compiles another executable: the one running is evicted
    while (gated.started < 2) await Promise.resolve();
    expect(nb.cacheStats('cache-gated').size).toBe(1);
    expect(gated.released).toEqual([]);
    gated.open();
    expect(Array.from(await readA)).toEqual([1, 1, 1]);
    expect(Array.from(await readB)).toEqual([1, 1, 1, 1, 1]);
    expect(gated.released.length).toBe(1);
    nb.dispose([a, b]);
    nb.setCacheLimits(defaults);
  });

  test('setCacheLimits checks its options', () => {
    expect(() => nb.setCacheLimits({ bytes: -1 })).toThrow(/^setCacheLimits: .*bytes/);
    expect(() => nb.setCacheLimits({ entries: 0 })).toThrow(/^setCacheLimits: .*entries/);
    expect(() => nb.setCacheLimits({ byte: 10 } as never)).toThrow(/^setCacheLimits: .*byte/);
  });
});
