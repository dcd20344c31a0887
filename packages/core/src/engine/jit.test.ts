import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';

describe('jit', () => {
  test('the signature covers structure and keys: a different tree is a new trace', async () => {
    let traces = 0;
    const f = nb.jit((a: nb.JitTree) => {
      traces++;
      const all: nb.Tensor[] = [];
      const walk = (t: nb.JitTree): void => {
        if (t instanceof nb.Tensor) all.push(t);
        else Object.values(t).forEach(walk);
      };
      walk(a);
      return all.reduce((s, t) => nb.add(s, t));
    });
    const x = nb.tensor([1, 2]);
    const calls: nb.JitTree[] = [{ a: x, b: x }, { a: x, c: x }, [x, x], { '0': x, '1': x }, { '[': [x, x] }, [[x, x]], { a: x, b: x }];
    for (const c of calls) expect(await (await f(c)).data()).toEqual(Float32Array.from([2, 4]));
    expect(traces).toBe(6); // the last call repeats the first
  });

  test('traces once per signature and replays with new values', async () => {
    let traces = 0;
    const scale = nb.tensor([2]); // captured
    const f = nb.jit(({ x, y }: { x: nb.Tensor; y: nb.Tensor }) => {
      traces++;
      return { sum: nb.add(x, y).mul(scale), prod: [nb.mul(x, y)] };
    });
    const a = await f({ x: nb.tensor([1, 2]), y: nb.tensor([3, 4]) });
    const b = await f({ x: nb.tensor([5, 6]), y: nb.tensor([7, 8]) });
    expect(await a.sum.array()).toEqual([8, 12]);
    expect(await b.sum.array()).toEqual([24, 28]);
    expect(await b.prod[0].array()).toEqual([35, 48]);
    expect(traces).toBe(1);
    const c = await f({ x: nb.tensor([1, 1, 1]), y: nb.tensor([1, 1, 1]) });
    expect(await c.sum.array()).toEqual([4, 4, 4]);
    expect(traces).toBe(2); // a new shape is a new trace
    scale.dispose(); // compiled traces keep what they captured
    expect((await f({ x: nb.tensor([0, 0]), y: nb.tensor([1, 1]) })).sum.dataSync()).toEqual(new Float32Array([2, 2]));
    expect(traces).toBe(2);
  });

  test('a gradient step compiles whole and matches the eager step', async () => {
    const x = nb.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = nb.tensor([[1], [0], [1]]);
    const loss = (w: nb.Tensor) => nb.mean(nb.square(nb.sub(nb.sigmoid(nb.matmul(x, w)), y)));
    const step = (w: nb.Tensor) => {
      const { value, grads } = nb.valueAndGrad(loss)(w);
      return { loss: value, w: nb.sub(w, nb.mul(grads, 0.5)) };
    };
    const jitted = nb.jit(step);
    let wEager = nb.tensor([[0.1], [-0.2]]);
    let wJit = wEager;
    for (let i = 0; i < 5; i++) {
      const e = nb.tidy(() => step(wEager));
      const j = await jitted(wJit);
      expect(Array.from(await j.w.data())).toEqual(Array.from(await e.w.data()));
      expect(await j.loss.item()).toBe(await e.loss.item());
      wEager = e.w;
      wJit = j.w;
    }
  });

  test('a seed argument draws fresh randomness on every call', async () => {
    const dropoutMask = nb.jit(({ seed }: { seed: nb.Tensor }) => nb.randomUniform([8], { seed }));
    const m1 = await dropoutMask({ seed: nb.scalar(1, 'int32') });
    const m2 = await dropoutMask({ seed: nb.scalar(2, 'int32') });
    expect(Array.from(await m1.data())).toEqual(Array.from(nb.philoxUniform(8, [1, 0], [0, 0])));
    expect(Array.from(await m2.data())).toEqual(Array.from(nb.philoxUniform(8, [2, 0], [0, 0])));
  });

  test('reading a value while tracing is an error', async () => {
    const f = nb.jit((x: nb.Tensor) => {
      x.add(1).dataSync();
      return x;
    });
    await expect(f(nb.tensor([1]))).rejects.toThrow(
      'jit: a compiled function cannot read or realize values while it is traced; return them instead',
    );
  });

  test('returning an argument returns a copy; disposed arguments are refused', async () => {
    const f = nb.jit((x: nb.Tensor) => x);
    const x = nb.tensor([1, 2]);
    const y = await f(x);
    expect(y).not.toBe(x);
    expect(await y.array()).toEqual([1, 2]);
    x.dispose();
    await expect(f(x)).rejects.toThrow('jit: an argument was disposed (shape [2], float32)');
  });

  test('dispose() releases what the traces captured', async () => {
    const x = nb.tensor([1, 2]);
    await nb.realize(x);
    const start = nb.memory().numBuffers;
    const f = nb.jit((a: nb.Tensor) => a.mul(2).add(1)); // captures the constants 2 and 1
    (await f(x)).dispose();
    expect(nb.memory().numBuffers).toBeGreaterThan(start);
    f.dispose();
    expect(nb.memory().numBuffers).toBe(start);
  });

  test('small captured constants are offered to the backend as values; arguments are not', async () => {
    const cpu = nb.getBackendInstance('cpu');
    const seen: nb.Graph[] = [];
    const compile = cpu.compile.bind(cpu);
    cpu.compile = (g) => {
      seen.push(g);
      return compile(g);
    };
    try {
      const big = nb.ones([100]);
      await nb.realize(big); // a leaf of 100 elements, over the folding limit
      const f = nb.jit((x: nb.Tensor) => nb.add(nb.mul(x, 0.5), nb.sum(big)));
      expect(await (await f(nb.tensor([2, 4]))).array()).toEqual([101, 102]);
      const g = seen.at(-1) as nb.Graph;
      const values = g.inputs.map((v) => (v.value ? Array.from(v.value) : null));
      expect(values).toContainEqual([0.5]); // the captured constant
      expect(values.filter((v) => v === null).length).toBe(2); // the argument, and the 100-element capture
    } finally {
      cpu.compile = compile;
    }
  });

  test('many calls keep memory flat', async () => {
    const f = nb.jit((x: nb.Tensor) => nb.softmax(nb.mul(x, 3)));
    const x = nb.tensor([1, 2, 3]);
    (await f(x)).dispose();
    const start = nb.memory();
    for (let i = 0; i < 200; i++) (await f(x)).dispose();
    expect(nb.memory().numTensors).toBe(start.numTensors);
    expect(nb.memory().numBuffers).toBe(start.numBuffers);
  });
});
