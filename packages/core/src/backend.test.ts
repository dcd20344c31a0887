import '@nabla/backend-cpu';
import { describe, expect, test, vi } from 'vitest';
import * as nb from './index.js';

describe('backend registry', () => {
  test('the CPU backend registers itself and is the default', () => {
    expect(nb.listBackends()).toContain('cpu');
    expect(nb.getBackend()).toBe('cpu');
    expect(nb.getBackendInstance().capabilities.sync).toBe(true);
  });

  test('an unknown name lists the available ones', () => {
    expect(() => nb.setBackend('tpu')).toThrow("unknown backend 'tpu'; available: cpu");
  });

  test('a registered backend is selectable; tensors remember theirs', async () => {
    const cpu = nb.getBackendInstance('cpu');
    nb.registerBackend('cpu-copy', () => Object.assign(Object.create(Object.getPrototypeOf(cpu)), cpu, { name: 'cpu-copy' }));
    nb.setBackend('cpu-copy');
    try {
      const a = nb.tensor([1, 2]);
      expect(a.backend).toBe('cpu-copy');
      expect(await a.add(1).array()).toEqual([2, 3]);
      nb.setBackend('cpu');
      const b = nb.tensor([1, 2]);
      expect(() => nb.add(a, b)).toThrow("add: operands live on different backends ('cpu-copy' and 'cpu')");
      // The constants an op makes follow its tensor operands, not the default backend, which
      // changed since a was made (a pending nb.jit call meets the same).
      const c = a.mul(2).add([1, 1]);
      expect(c.backend).toBe('cpu-copy');
      expect(await c.array()).toEqual([3, 5]);
      expect(nb.zerosLike(a).backend).toBe('cpu-copy');
      expect(nb.concat([a, a]).backend).toBe('cpu-copy');
      expect(nb.zeros([2]).backend).toBe('cpu');
    } finally {
      nb.setBackend('cpu');
    }
  });

  test('a backend without a dtype rejects it by name', () => {
    const cpu = nb.getBackendInstance('cpu');
    nb.registerBackend('no-f64', () =>
      Object.assign(Object.create(Object.getPrototypeOf(cpu)), cpu, {
        name: 'no-f64',
        capabilities: { dtypes: ['float32', 'int32', 'bool'], sync: true },
      }),
    );
    nb.setBackend('no-f64');
    try {
      expect(() => nb.tensor([1], [1], 'float64')).toThrow(
        "tensor: backend 'no-f64' does not support float64 (it has float32, int32, bool)",
      );
    } finally {
      nb.setBackend('cpu');
    }
  });

  test('an async-only backend refuses sync reads with a clear error', async () => {
    const cpu = nb.getBackendInstance('cpu');
    nb.registerBackend('async-cpu', () => ({
      name: 'async-cpu',
      capabilities: { dtypes: nb.DTYPES, sync: false },
      upload: (d, t, s) => cpu.upload(d, t, s),
      read: (b, t, n) => cpu.read(b, t, n),
      dispose: () => {},
      compile: async (g) => cpu.compile(g),
      run: async (e, ins) => cpu.run(e, ins),
    }));
    nb.setBackend('async-cpu');
    try {
      const y = nb.tensor([1, 2]).mul(3);
      expect(() => y.dataSync()).toThrow(
        "backend 'async-cpu' cannot compute synchronously; use the async reads (await t.data(), await t.array())",
      );
      expect(await y.array()).toEqual([3, 6]);
    } finally {
      nb.setBackend('cpu');
    }
  });

  test('NABLA_BACKEND picks the backend in Node; an unknown name fails listing the others', async () => {
    const saved = process.env.NABLA_BACKEND;
    try {
      vi.resetModules();
      process.env.NABLA_BACKEND = 'other';
      const fresh = await import('./index.js');
      await import('@nabla/backend-cpu'); // registered first: the default without the variable
      fresh.registerBackend('other', () => fresh.getBackendInstance('cpu'));
      expect(fresh.getBackend()).toBe('other');

      vi.resetModules();
      process.env.NABLA_BACKEND = 'gpu9000';
      const again = await import('./index.js');
      await import('@nabla/backend-cpu');
      expect(() => again.tensor([1])).toThrow("unknown backend 'gpu9000'; available: cpu");
    } finally {
      if (saved === undefined) delete process.env.NABLA_BACKEND;
      else process.env.NABLA_BACKEND = saved;
      vi.resetModules();
    }
  });
});
