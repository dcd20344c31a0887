import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { expectClose } from '../test-utils/gradcheck.js';

describe('grad, valueAndGrad, vjp', () => {
  test('gradient of a scalar function', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.sum(nb.mul(x, x)))(nb.tensor([1, -2, 3]));
    expect(await g.array()).toEqual([2, -4, 6]);
  });

  test('with respect to several tensors (an array) and a named map', async () => {
    const x = nb.tensor([1, 2]);
    const y = nb.tensor([3, 4]);
    const [gx, gy] = nb.grad(([a, b]: nb.Tensor[]) => nb.sum(nb.mul(a, b)))([x, y]);
    expect(await gx.array()).toEqual([3, 4]);
    expect(await gy.array()).toEqual([1, 2]);
    const params = { w: nb.tensor([[2]]), b: nb.tensor([1]) };
    const input = nb.tensor([[3], [4]]);
    const { value, grads } = nb.valueAndGrad((p: { w: nb.Tensor; b: nb.Tensor }, xin: nb.Tensor) =>
      nb.mean(nb.square(nb.add(nb.matmul(xin, p.w), p.b))),
    )(params, input);
    // mean((3w+b)^2, (4w+b)^2) at w=2, b=1: (49 + 81)/2 = 65
    expect(await value.item()).toBe(65);
    expect(await grads.w.array()).toEqual([[3 * 7 + 4 * 9]]);
    expect(await grads.b.array()).toEqual([7 + 9]);
  });

  test('a tensor f does not use gets zeros', async () => {
    const [, gz] = nb.grad(([a]: nb.Tensor[]) => nb.sum(a))([nb.tensor([1]), nb.tensor([5, 6])]);
    expect(await gz.array()).toEqual([0, 0]);
  });

  test('vjp with a cotangent', async () => {
    const x = nb.tensor([1, 2, 3]);
    const { value, grads } = nb.vjp((t: nb.Tensor) => nb.mul(t, t), x, nb.tensor([1, 0, -1]));
    expect(await value.array()).toEqual([1, 4, 9]);
    expect(await grads.array()).toEqual([2, 0, -6]);
  });

  test('stopGradient blocks the gradient but keeps the value', async () => {
    const { value, grads } = nb.valueAndGrad((x: nb.Tensor) => nb.sum(nb.mul(x, nb.stopGradient(x))))(nb.tensor([3]));
    expect(await value.item()).toBe(9);
    expect(await grads.array()).toEqual([3]);
  });

  test('second derivatives: grad of grad', async () => {
    // d2/dx2 of x^3 = 6x
    const d1 = (x: nb.Tensor) => nb.sum(nb.grad((t: nb.Tensor) => nb.sum(nb.pow(t, 3)))(x));
    const d2 = nb.grad(d1)(nb.tensor([1, 2], [2], 'float64'));
    expectClose(await d2.data(), [6, 12], 1e-12);
    const tanh2 = nb.grad((x: nb.Tensor) => nb.sum(nb.grad((t: nb.Tensor) => nb.sum(nb.tanh(t)))(x)))(nb.tensor([0.5], [1], 'float64'));
    const t = Math.tanh(0.5);
    expectClose(await tanh2.data(), [-2 * t * (1 - t * t)], 1e-12);
  });

  test('reading a value inside f does not break the backward pass', async () => {
    const g = nb.grad((x: nb.Tensor) => {
      const y = nb.exp(x);
      y.dataSync(); // realizes y mid-trace
      return nb.sum(nb.mul(y, 2));
    })(nb.tensor([0, 1], [2], 'float64'));
    expectClose(await g.data(), [2, 2 * Math.E], 1e-12);
  });

  test('a training step: forward and backward are one graph, cached after the first step', async () => {
    let w = nb.keep(nb.zeros([3, 1]));
    const x = nb.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const y = nb.tensor([[1], [2]]);
    const loss = (p: nb.Tensor) => nb.mean(nb.square(nb.sub(nb.matmul(x, p), y)));
    const before = nb.cacheStats('cpu').size;
    for (let i = 0; i < 50; i++) {
      const next = nb.tidy(() => {
        const { grads } = nb.valueAndGrad(loss)(w);
        return nb.sub(w, nb.mul(grads, 0.01));
      });
      await nb.realize(next);
      w.dispose();
      w = next;
    }
    // One structure, so at most a couple of compiled graphs, however many steps.
    expect(nb.cacheStats('cpu').size - before).toBeLessThanOrEqual(2);
    expect(await nb.tidy(() => loss(w)).item()).toBeLessThan(0.1);
  });

  test('identical nodes are computed once (common subexpressions merge)', async () => {
    const cpu = nb.getBackendInstance('cpu');
    const graphs: nb.Graph[] = [];
    const compile = cpu.compile.bind(cpu);
    cpu.compile = (g) => {
      graphs.push(g);
      return compile(g);
    };
    try {
      const x = nb.tensor([1, 2]);
      const y = nb.add(nb.exp(x), nb.exp(x)); // two exp nodes recorded, one computed
      expect(Array.from(await y.data())).toEqual([2 * Math.fround(Math.E), 2 * Math.fround(Math.exp(2))].map(Math.fround));
      const g = graphs.at(-1) as nb.Graph;
      expect(g.nodes.filter((node) => node.op === 'unary').length).toBe(1);
    } finally {
      cpu.compile = compile;
    }
  });

  test('errors: non-scalar output, int inputs, shape of the cotangent', () => {
    expect(() => nb.grad((x: nb.Tensor) => nb.mul(x, 2))(nb.tensor([1, 2]))).toThrow(
      'valueAndGrad: f must return a scalar, got shape [2]; use vjp for other outputs',
    );
    expect(() => nb.grad((x: nb.Tensor) => nb.sum(x))(nb.tensor([1], [1], 'int32'))).toThrow(
      /only differentiate with respect to float tensors, got int32/,
    );
    expect(() => nb.vjp((x: nb.Tensor) => x, nb.tensor([1, 2]), nb.tensor([1]))).toThrow(
      /cotangent shape \[1\] differs from f's output shape \[2\]/,
    );
  });
});
