import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';
import { checkGradients } from '../test-utils/gradcheck.js';

/** The graphs the CPU backend compiles while fn runs. */
async function compiled(fn: () => Promise<unknown>): Promise<nb.Graph[]> {
  const backend = nb.getBackendInstance('cpu');
  const graphs: nb.Graph[] = [];
  const compile = backend.compile.bind(backend);
  backend.compile = (graph) => {
    graphs.push(graph);
    return compile(graph);
  };
  try {
    await fn();
  } finally {
    backend.compile = compile;
  }
  return graphs;
}

describe('the cotangent of a tensor cut into slices', () => {
  test('pieces along one axis, in any order, with gaps: exact values', async () => {
    const x = nb.arange(0, 24, 1, 'float32').reshape([6, 4]);
    // Rows 4-5, 0, 2-3 (row 1 unused), each weighted differently.
    const g = nb.grad((t: nb.Tensor) =>
      nb.add(
        nb.add(nb.sum(nb.slice(t, [4, 0], [2, 4]).mul(3)), nb.sum(nb.slice(t, [0, 0], [1, 4]))),
        nb.sum(nb.square(nb.slice(t, [2, 0], [2, 4]))),
      ),
    )(x);
    const rows = [1, 0, 2 * 8, 2 * 12, 3, 3];
    const expected = rows.flatMap((w, r) => [0, 1, 2, 3].map((c) => (r === 2 || r === 3 ? 2 * (r * 4 + c) : w)));
    expect(Array.from(await g.data())).toEqual(expected);
  });

  test('overlapping pieces and pieces cut along two axes add up', async () => {
    const x = nb.arange(0, 12, 1, 'float32').reshape([3, 4]);
    const overlap = nb.grad((t: nb.Tensor) => nb.add(nb.sum(nb.slice(t, [0, 0], [2, 4])), nb.sum(nb.slice(t, [1, 0], [2, 4]))))(x);
    expect(await overlap.array()).toEqual([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
      [1, 1, 1, 1],
    ]);
    const corners = nb.grad((t: nb.Tensor) => nb.add(nb.sum(nb.slice(t, [0, 0], [1, 1])), nb.sum(nb.slice(t, [2, 3], [1, 1]).mul(2))))(x);
    expect(await corners.array()).toEqual([
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 2],
    ]);
  });

  test('gradients of split, slices and a sequence loop against central differences', () => {
    checkGradients(
      (x) => {
        const [a, b, c] = nb.split(x, [1, 2, 1], 1);
        return nb.concat(
          [nb.mul(a, b.slice([0, 1], [3, 1])), nb.tanh(c), nb.slice(x, [1, 0], [1, 4]).reshape([4, 1]).slice([0, 0], [3, 1])],
          1,
        );
      },
      [[0.3, -0.2, 0.5, 1.1, -0.7, 0.4, 0.9, -1.3, 0.25, 0.6, -0.1, 0.8]],
      { shapes: [[3, 4]] },
    );
    // A recurrence over the steps of a sequence, as an unrolled RNN reads its input.
    checkGradients(
      (x, w) => {
        let h = nb.zeros([2, 2], 'float64');
        for (let t = 0; t < 3; t++) h = nb.tanh(nb.add(nb.slice(x, [0, t, 0], [2, 1, 2]).reshape([2, 2]), nb.matmul(h, w)));
        return h;
      },
      [
        [0.1, -0.4, 0.7, 0.2, -0.5, 0.3, 0.9, -0.8, 0.6, 0.05, -0.2, 0.4],
        [0.5, -0.3, 0.2, 0.8],
      ],
      {
        shapes: [
          [2, 3, 2],
          [2, 2],
        ],
      },
    );
  });

  test('T slices of a sequence cost one concatenation, not T sums of padded copies', async () => {
    const steps = 64;
    const x = nb.randomUniform([steps, 8], { seed: 1 });
    const f = nb.jit((t: nb.Tensor) =>
      nb.grad((s: nb.Tensor) => {
        let acc = nb.zeros([1, 8]);
        for (let i = 0; i < steps; i++) acc = nb.tanh(acc.add(nb.slice(s, [i, 0], [1, 8])));
        return nb.sum(acc);
      })(t),
    );
    const graphs = await compiled(async () => {
      await (await f(x)).data();
    });
    const nodes = graphs.flatMap((g) => g.nodes);
    // Padding each step's cotangent to [64, 8] and summing would write 64 * 512 elements.
    const padded = nodes.filter((n) => n.op === 'pad').reduce((sum, n) => sum + nb.sizeOf(n.shape), 0);
    expect(padded).toBeLessThanOrEqual(x.size);
    expect(nodes.filter((n) => n.op === 'concat' && n.inputs.length === steps)).toHaveLength(1);
    f.dispose();
  });
});

describe('the cotangent of a weight used in many products', () => {
  test('is one product of the concatenated operands, with the values of the sum', async () => {
    const steps = 16;
    const w = nb.randomUniform([4, 3], { seed: 3, dtype: 'float64' });
    const xs = nb.randomUniform([steps, 2, 4], { seed: 4, dtype: 'float64' });
    const loss = (v: nb.Tensor) => {
      let acc = nb.zeros([2, 3], 'float64');
      for (let i = 0; i < steps; i++) acc = nb.tanh(acc.add(nb.matmul(nb.slice(xs, [i, 0, 0], [1, 2, 4]).reshape([2, 4]), v)));
      return nb.sum(acc);
    };
    const f = nb.jit((v: nb.Tensor) => nb.grad(loss)(v));
    const graphs = await compiled(async () => {
      await (await f(w)).data();
    });
    const products = graphs.flatMap((g) => g.nodes).filter((n) => n.op === 'matmul');
    // steps forward products, and one for the weight's cotangent (x has none: it is not differentiated).
    expect(products).toHaveLength(steps + 1);
    f.dispose();
    checkGradients((v) => loss(v), [w]);
    // Both operands differentiated, the weight on the left (dW = g x^T) and transposed.
    checkGradients(
      (a, b) => nb.add(nb.matmul(a, b).sum(), nb.matmul(nb.transpose(a), b.slice([0, 0], [3, 3])).sum()),
      [
        [0.2, -0.5, 0.7, 0.1, 0.9, -0.3, 0.4, 0.6, -0.8],
        [0.3, 0.5, -0.2, 0.8, -0.6, 0.1, 0.45, -0.35, 0.25, 0.15, -0.7, 0.05],
      ],
      {
        shapes: [
          [3, 3],
          [3, 4],
        ],
      },
    );
  });
});
