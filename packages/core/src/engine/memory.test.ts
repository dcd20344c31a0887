import '@nabla/backend-cpu';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';

describe('memory', () => {
  test('tensors dropped without dispose are counted out and freed once collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const start = nb.memory();
    // 1,200 tensors: most are registered in the nursery's full batches, the last ones by its
    // timer; every one must end up counted out.
    const drop = () => {
      for (let i = 0; i < 600; i++) nb.add(nb.tensor([i, i]), 1).dataSync();
    };
    drop();
    expect(nb.memory().numTensors).toBeGreaterThan(start.numTensors);
    for (let i = 0; i < 50 && nb.memory().numTensors > start.numTensors; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // the nursery's timer, then cleanup tasks
      gc();
    }
    expect(nb.memory().numTensors).toBe(start.numTensors);
    expect(nb.memory().numBuffers).toBe(start.numBuffers);
  });

  test("an undisposed pending intermediate does not keep a disposed operand's buffer alive until the backstop runs", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // One iteration of an untidied loop: x is disposed, x.mul(2).add(1) is dropped undisposed
    // and never computed (only its sum is read). Returns a weak reference to x's buffer.
    const iteration = () => {
      const x = nb.randomUniform([4096], { seed: 3 });
      x.dataSync();
      const y = x.mul(2).add(1);
      y.sum().dataSync();
      x.dispose();
      return new WeakRef(x.storage?.buffer as object);
    };
    const buffer = iteration();
    // The next task: the nursery has registered y's node with the backstop, and the weak
    // reference no longer keeps the buffer (targets are kept to the end of the task that made them).
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    // No task ran since the collection, so no cleanup callback did: the garbage collector alone
    // must have freed the buffer, which the registry (holding the dropped node's bookkeeping) must not reach.
    expect(buffer.deref()).toBeUndefined();
  });

  test('an untidied loop that awaits reads lets the event loop turn, so the backstop counts its garbage out', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let fired = 0;
    const timer = setTimeout(() => fired++, 0);
    let x = nb.randomUniform([4096], { seed: 4 });
    await x.data();
    const start = nb.memory();
    const began = performance.now();
    let iterations = 0;
    // Three undisposed tensors a turn (x.mul(2), its .add(1) and the sum); x is disposed.
    while (iterations < 300 || performance.now() - began < 100) {
      const y = x.mul(2).add(1);
      await y.sum().data();
      const next = x.add(0.5);
      await next.data();
      x.dispose();
      x = next;
      if (++iterations % 50 === 0) gc();
    }
    clearTimeout(timer);
    expect(fired).toBe(1); // the reads yielded to the event loop at least once
    const grown = nb.memory().numTensors - start.numTensors;
    // Without a turn of the event loop, every iteration's three would still be counted.
    expect(grown).toBeLessThan(iterations);
    x.dispose();
  });

  test('1,000 tidy iterations leave numTensors and buffers where they started', async () => {
    const w = nb.keep(nb.randomNormal([8, 8], { seed: 1 }));
    await nb.realize(w);
    const start = nb.memory();
    for (let i = 0; i < 1000; i++) {
      nb.tidy(() => {
        const { grads } = nb.valueAndGrad((p: nb.Tensor) => nb.sum(nb.tanh(nb.matmul(p, p))))(w);
        grads.dataSync();
      });
    }
    const end = nb.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBuffers).toBe(start.numBuffers);
    expect(end.numBytes).toBe(start.numBytes);
    w.dispose();
  });

  test('tidy returns its result alive and disposes the rest; nested scopes', () => {
    const start = nb.memory().numTensors;
    const [kept, out] = nb.tidy(() => {
      const a = nb.ones([2]);
      const inner = nb.tidy(() => nb.add(a, nb.ones([2])));
      return [nb.keep(nb.mul(a, 3)), inner];
    });
    expect(kept.isDisposed).toBe(false);
    expect(Array.from(out.dataSync())).toEqual([2, 2]);
    nb.dispose([kept, out]);
    expect(nb.memory().numTensors).toBe(start);
  });

  test('a disposed operand stays computable for a pending result', () => {
    const a = nb.tensor([1, 2]);
    const b = nb.add(a, 1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([2, 3]);
    expect(() => nb.add(a, 1)).toThrow('add: tensor was disposed (shape [2], float32)');
    expect(() => a.dataSync()).toThrow(/tensor was disposed/);
  });

  test('buffers are freed once nothing pending needs them', () => {
    const start = nb.memory().numBuffers;
    const a = nb.tensor([1, 2, 3]);
    const b = nb.mul(a, 2);
    a.dispose();
    expect(nb.memory().numBuffers).toBeGreaterThan(start); // b still needs a
    b.dataSync();
    b.dispose();
    expect(nb.memory().numBuffers).toBe(start);
  });

  test('a composite op outside tidy leaves one live tensor: its result', () => {
    const x = nb.tensor([[1, 2, 3]]);
    const before = nb.memory().numTensors;
    const s = nb.softmax(x);
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.logSoftmax(t)))(x);
    // softmax's result; logSoftmax and sum inside grad's f (the caller's code); the gradient.
    expect(nb.memory().numTensors).toBe(before + 4);
    nb.dispose([s, g]);
    expect(nb.memory().numTensors).toBe(before + 2);
  });

  test('outside tidy, a gradient step leaves no buffer behind once its results are disposed', () => {
    const x = nb.tensor([
      [1, 2],
      [3, 4],
    ]);
    const w = nb.tensor([[0.5], [-1]]);
    x.dataSync();
    const start = nb.memory();
    // d/dw only: the rule for matmul also makes a cotangent for x, which nothing reads. The
    // tidy inside f disposes f's intermediates; the backward pass can still read them.
    const { value, grads } = nb.valueAndGrad((p: nb.Tensor) => nb.tidy(() => nb.mean(nb.square(nb.matmul(x, p)))))(w);
    grads.dataSync();
    value.dataSync();
    nb.dispose([value, grads]);
    expect(nb.memory().numTensors).toBe(start.numTensors);
    expect(nb.memory().numBuffers).toBe(start.numBuffers);
  });

  test('a tidy whose function throws frees what it made, and an op that throws leaves no buffer', () => {
    const x = nb.tensor([], [0, 3]);
    const start = nb.memory();
    expect(() =>
      nb.tidy(() => {
        nb.neg(nb.ones([2]));
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(nb.memory().numTensors).toBe(start.numTensors);
    // min negates x, then finds the axis empty: the negation it made must not keep x's buffer.
    expect(() => nb.min(x, 0)).toThrow(/^min: /);
    x.dispose();
    expect(nb.memory().numTensors).toBe(start.numTensors - 1);
    expect(nb.memory().numBuffers).toBe(start.numBuffers - 1);
  });

  test('tidy rejects an async function', () => {
    expect(() => nb.tidy((async () => nb.ones([1])) as never)).toThrow('tidy: the function returned a Promise');
  });

  test('memory() reports per backend', () => {
    const t = nb.ones([4]);
    t.dataSync();
    const m = nb.memory();
    expect(m.backends.cpu.numBytes).toBeGreaterThanOrEqual(16);
    t.dispose();
  });
});

describe('deep lazy chains', () => {
  test('releasing a chain of 20,000 unread disposed nodes does not recurse through it', async () => {
    const before = nb.memory().numTensors;
    const first = nb.zeros([1]);
    let x = first;
    for (let i = 0; i < 20_000; i++) {
      const y = x.add(1);
      if (x !== first) x.dispose();
      x = y;
    }
    first.dispose();
    expect(await x.item()).toBe(20_000);
    x.dispose();
    // Earlier tests' garbage may be counted out meanwhile, so the count can only have fallen.
    expect(nb.memory().numTensors).toBeLessThanOrEqual(before);
  });
});
