import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients, expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { Sequential } from '../../models/sequential.js';
import { Adam } from '../../optimizers/index.js';
import { type Weight, withWeightValues } from '../../weight.js';
import { Dense } from '../dense.js';
import { Embedding } from '../embedding/embedding.js';
import type { Layer, Tensors } from '../layer.js';
import { layerFromConfig } from '../registry.js';
import { Bidirectional } from './bidirectional.js';
import { GRU } from './gru.js';
import { LSTM } from './lstm.js';
import { SimpleRNN } from './simple-rnn.js';

/** The deterministic values the TF.js reference script used: 0.8 sin(i a + b), to 3 decimals. */
const vals = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => Number((Math.sin(i * a + b) * 0.8).toFixed(3)));
const X = vals(12, 0.7, 0.3); // [2, 3, 2]
const MASK = [
  [true, false, true],
  [true, true, false],
];

/** Builds the layer on [2, 3, 2] inputs (and states) and sets its weights, in Keras's order. */
function withWeights<L extends Layer>(layer: L, inputs: Tensors, weights: number[][]): L {
  nb.tidy(() => {
    layer.apply(inputs);
  });
  layer.weights.forEach((w, i) => {
    w.assign(nb.keep(nb.tensor(weights[i], w.shape)));
  });
  return layer;
}

const list = (y: Tensors) => (Array.isArray(y) ? y : [y]);
const mask = () => nb.tensor(MASK, [2, 3], 'bool');

describe('recurrent layers against TensorFlow.js 4.22', () => {
  // Expected values: TF.js 4.22 (CPU backend) on the same weights and inputs (a script in /tmp,
  // tf.layers.* with setWeights and apply(x, { mask, initialState })), rounded to 6 decimals.
  // TF.js's LSTM and GRU default to recurrentActivation 'hardSigmoid' (Keras 2); the script sets
  // 'sigmoid', Keras 3's default and nabla's.
  test('LSTM: goBackwards, returnSequences, returnState, a mask (a masked step carries output and states)', async () => {
    const x = nb.tensor(X, [2, 3, 2]);
    const lstm = withWeights(new LSTM(2, { goBackwards: true, returnSequences: true, returnState: true }), x, [
      vals(16, 0.9, 0.1),
      vals(16, 1.3, 0.5),
      vals(8, 0.4, 1.1),
    ]);
    const [seq, h, c] = list(lstm.apply(x, { training: false, mask: mask() }));
    expectClose(
      await seq.data(),
      [0.144655, 0.048052, 0.144655, 0.048052, 0.001478, -0.133411, 0, 0, 0.087784, 0.036055, 0.265832, 0.098156],
      2e-6,
    );
    expectClose(await h.data(), [0.001478, -0.133411, 0.265832, 0.098156], 2e-6);
    expectClose(await c.data(), [0.003363, -0.280929, 0.544159, 0.413409], 2e-6);
  });

  test('GRU with resetAfter false (TF.js has no other): returnSequences, a mask', async () => {
    const x = nb.tensor(X, [2, 3, 2]);
    const gru = withWeights(new GRU(2, { resetAfter: false, returnSequences: true }), x, [
      vals(12, 0.5, 0.2),
      vals(12, 1.1, 0.7),
      vals(6, 0.8, 0.9),
    ]);
    const y = gru.apply(x, { training: false, mask: mask() }) as nb.Tensor;
    expectClose(
      await y.data(),
      [-0.260922, -0.265106, -0.260922, -0.265106, -0.172414, -0.354276, -0.213771, -0.210484, -0.423314, -0.456861, -0.423314, -0.456861],
      2e-6,
    );
  });

  test('SimpleRNN: an initial state as a second input, returnState', async () => {
    const inputs = [nb.tensor(X, [2, 3, 2]), nb.tensor(vals(4, 0.9, 1.5), [2, 2])];
    const rnn = withWeights(new SimpleRNN({ units: 2, returnState: true }), inputs, [
      vals(4, 0.6, 0.4),
      vals(4, 1.7, 0.2),
      vals(2, 0.3, 0.5),
    ]);
    const [y, h] = list(rnn.apply(inputs));
    expectClose(await y.data(), [-0.19798, 0.213267, 0.821291, 0.924178], 2e-6);
    expectClose(await h.data(), [-0.19798, 0.213267, 0.821291, 0.924178], 2e-6);
  });

  test("Bidirectional(LSTM returning sequences), mergeMode 'ave': forward weights first", async () => {
    const x = nb.tensor(X, [2, 3, 2]);
    const bi = withWeights(new Bidirectional(new LSTM(2, { returnSequences: true }), { mergeMode: 'ave' }), x, [
      vals(16, 0.2, 0.3),
      vals(16, 0.35, 0.9),
      vals(8, 1.9, 0.2),
      vals(16, 0.45, 1.4),
      vals(16, 1.05, 0.6),
      vals(8, 0.15, 0.8),
    ]);
    const y = bi.apply(x) as nb.Tensor;
    expectClose(
      await y.data(),
      [0.400163, 0.327178, 0.416806, 0.370361, 0.192552, 0.081618, 0.216964, 0.168762, 0.296359, 0.1623, 0.349573, 0.250844],
      2e-6,
    );
  });
});

/** Keras 3's GRU cell written out in float64, both conventions: the state after each step. */
function gruReference(x: number[][][], kernel: number[][], rec: number[][], bias: number[][], resetAfter: boolean): number[][][] {
  const u = rec.length;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return x.map((seq) => {
    let h = new Array<number>(u).fill(0);
    return seq.map((xt) => {
      const proj = (j: number) => xt.reduce((s, v, f) => s + v * kernel[f][j], 0) + bias[0][j];
      const recur = (hv: number[], j: number) => hv.reduce((s, v, k) => s + v * rec[k][j], 0);
      const inner = (j: number) => recur(h, j) + (resetAfter ? bias[1][j] : 0);
      const z = h.map((_, j) => sig(proj(j) + inner(j)));
      const r = h.map((_, j) => sig(proj(u + j) + inner(u + j)));
      const rh = h.map((v, j) => v * r[j]);
      const cand = h.map((_, j) => Math.tanh(proj(2 * u + j) + (resetAfter ? r[j] * inner(2 * u + j) : recur(rh, 2 * u + j))));
      h = h.map((v, j) => z[j] * v + (1 - z[j]) * cand[j]);
      return h;
    });
  });
}

describe('GRU', () => {
  test.each([true, false])('resetAfter %s against Keras 3 written out; bias [2, 3 units] or [3 units]', async (resetAfter) => {
    const [b, t, f, u] = [2, 4, 3, 2];
    const rows = (flat: number[], cols: number) =>
      Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
    const x = vals(b * t * f, 0.45, 0.1);
    const kernel = vals(f * 3 * u, 0.8, 0.3);
    const rec = vals(u * 3 * u, 1.2, 0.6);
    const bias = vals(2 * 3 * u, 0.5, 1.3);
    const gru = new GRU(u, { returnSequences: true, resetAfter });
    const xs = nb.tensor(x, [b, t, f], 'float64');
    withWeights(gru, xs, [kernel, rec, resetAfter ? bias : bias.slice(0, 3 * u)]);
    expect(gru.bias?.shape).toEqual(resetAfter ? [2, 3 * u] : [3 * u]);
    const want = gruReference(
      rows(x, t * f).map((s) => rows(s, f)),
      rows(kernel, 3 * u),
      rows(rec, 3 * u),
      rows(bias, 3 * u),
      resetAfter,
    );
    const values = new Map(gru.weights.map((w) => [w, nb.cast(w.value, 'float64')]));
    const y = withWeightValues(
      (w) => values.get(w),
      () => gru.apply(xs) as nb.Tensor,
    ).result;
    expectClose(await y.data(), want.flat(2), 1e-12);
  });
});

describe('gradients (float64, against central differences)', () => {
  /** d(outputs . fixed weights) of the inputs and every weight, through withWeightValues. */
  function check(layer: Layer, inputs: nb.Tensor[], ctx: { mask?: nb.Tensor; training?: boolean; seed?: nb.Tensor } = {}): void {
    const xs = inputs.map((t) => nb.cast(t, 'float64'));
    layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }); // builds
    const weights = layer.trainableWeights;
    checkGradients(
      (...args) => {
        const values = new Map(weights.map((w, i) => [w, args[xs.length + i]]));
        const ins = args.slice(0, xs.length);
        const ys = withWeightValues(
          (w) => values.get(w),
          () => list(layer.apply(ins.length === 1 ? ins[0] : ins, { training: ctx.training ?? false, mask: ctx.mask, seed: ctx.seed })),
        ).result;
        return nb.concat(
          ys.map((y) => nb.reshape(y, [-1])),
          0,
        );
      },
      [...xs, ...weights.map((w) => w.value)],
      { rtol: 1e-5, atol: 1e-7 },
    );
  }
  const x = () => nb.tensor(X, [2, 3, 2]);

  test('LSTM with a mask, goBackwards, initial states and every output', () => {
    check(
      new LSTM(2, { goBackwards: true, returnSequences: true, returnState: true }),
      [x(), nb.tensor(vals(4, 0.3, 0.2), [2, 2]), nb.tensor(vals(4, 0.7, 1), [2, 2])],
      {
        mask: mask(),
      },
    );
  });

  test('GRU both ways with a mask; SimpleRNN with relu', () => {
    check(new GRU(3, { returnSequences: true }), [x()], { mask: mask() });
    check(new GRU(2, { resetAfter: false, returnState: true }), [x()], { mask: mask() });
    check(new SimpleRNN(3, { activation: 'sigmoid', returnSequences: true }), [x()]);
  });

  test('Bidirectional with a mask (masked outputs are zeros) and dropout while training (fixed masks)', () => {
    check(new Bidirectional(new GRU(2, { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4 }), { mergeMode: 'mul' }), [x()], {
      mask: mask(),
      training: true,
      seed: nb.scalar(5, 'int32'),
    });
  });
});

describe('masks, dropout, initializers', () => {
  test('Bidirectional returning sequences gives zeros at masked steps; a plain layer carries its last output', async () => {
    const xs = nb.tensor(X, [2, 3, 2]);
    const carried = list(new LSTM(2, { returnSequences: true }).apply(xs, { training: false, mask: mask() }))[0];
    const seq = await carried.array();
    expect((seq as number[][][])[0][1]).toEqual((seq as number[][][])[0][0]); // masked step 1 of row 0
    const bi = new Bidirectional(new LSTM(2, { returnSequences: true }), { mergeMode: null });
    const [fwd, bwd] = list(bi.apply(xs, { training: false, mask: mask() }));
    for (const y of [fwd, bwd]) {
      const a = (await y.array()) as number[][][];
      expect(a[0][1]).toEqual([0, 0]);
      expect(a[1][2]).toEqual([0, 0]);
      expect(a[0][0].some((v) => v !== 0)).toBe(true);
    }
    // The output mask is the input's when returning sequences, none otherwise (and none for states).
    expect(bi.computeMask(xs, mask())).toHaveLength(2);
    const last = new LSTM(2, { returnState: true });
    expect(last.computeMask(xs, mask())).toEqual([null, null, null]);
  });

  test('dropout: one input mask and one recurrent mask for every timestep, from the step seed; none at inference', async () => {
    // Kernel I, recurrent kernel 0, linear: each output is the step's input times the input mask.
    const drop = new SimpleRNN(2, { activation: 'linear', useBias: false, returnSequences: true, dropout: 0.5, seed: 3 });
    const xs = nb.add(nb.zeros([4, 3, 2]), 1);
    withWeights(drop, xs, [
      [1, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    const run = (seed: number) =>
      (drop.apply(xs, { training: true, seed: nb.scalar(seed, 'int32') }) as nb.Tensor).array() as Promise<number[][][]>;
    const a = await run(1);
    for (const row of a) for (const step of row) expect(step).toEqual(row[0]); // the same mask at every step
    expect(new Set(a.flat(2))).toEqual(new Set([0, 2])); // dropped, or kept and scaled by 1 / (1 - 0.5)
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    expect(await (drop.apply(xs, { training: false }) as nb.Tensor).array()).toEqual([
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    ]);
    // Kernel 0, recurrent kernel I, linear, h0 = 1: h_t = h_{t-1} m with one mask m, so h_t = m^t.
    const rec = new SimpleRNN(3, { activation: 'linear', useBias: false, returnSequences: true, recurrentDropout: 0.5 });
    const ins = [nb.zeros([4, 3, 2]), nb.add(nb.zeros([4, 3]), 1)];
    withWeights(rec, ins, [new Array(6).fill(0), [1, 0, 0, 0, 1, 0, 0, 0, 1]]);
    const h = (await (rec.apply(ins, { training: true, seed: nb.scalar(9, 'int32') }) as nb.Tensor).array()) as number[][][];
    for (const row of h) {
      for (const [t, step] of row.entries()) expect(step).toEqual(row[0].map((m) => m ** (t + 1)));
    }
  });

  test('LSTM unitForgetBias starts the forget gate at 1; weights named and shaped as Keras', async () => {
    const lstm = new LSTM(2, { name: 'enc', biasInitializer: 'zeros' });
    lstm.apply(nb.zeros([1, 3, 4]));
    expect(lstm.weights.map((w) => [w.name, w.shape])).toEqual([
      ['enc/kernel', [4, 8]],
      ['enc/recurrent_kernel', [2, 8]],
      ['enc/bias', [8]],
    ]);
    expect(Array.from(await (lstm.bias as Weight).value.data())).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    const plain = new LSTM(2, { unitForgetBias: false });
    plain.apply(nb.zeros([1, 3, 4]));
    expect(Array.from(await (plain.bias as Weight).value.data())).toEqual(new Array(8).fill(0));
    // The recurrent kernel is orthogonal: [2, 8] has orthonormal rows.
    const r = (lstm.recurrentKernel as Weight).value.cast('float64');
    expectClose(await nb.matmul(r, r, false, true).data(), [1, 0, 0, 1], 1e-6);
  });

  test('both constructor forms; Bidirectional keeps the wrapped config and rebuilds from its own', () => {
    expect(new GRU({ units: 3, resetAfter: false }).getConfig()).toMatchObject({
      units: 3,
      resetAfter: false,
      recurrentActivation: 'sigmoid',
    });
    const bi = new Bidirectional({ layer: new LSTM(3, { name: 'enc', returnSequences: true }), mergeMode: 'sum', name: 'bi' });
    expect([bi.forwardLayer.name, bi.backwardLayer.name]).toEqual(['bi/forward_enc', 'bi/backward_enc']);
    expect(bi.backwardLayer.goBackwards).toBe(true);
    const config = JSON.parse(JSON.stringify(bi.getConfig()));
    expect(config.layer).toMatchObject({ className: 'LSTM', config: { name: 'enc', units: 3, returnSequences: true } });
    const copy = layerFromConfig('Bidirectional', { ...config, name: 'bi2' }) as Bidirectional;
    expect([copy.forwardLayer.name, copy.mergeMode]).toEqual(['bi2/forward_enc', 'sum']);
  });

  test('sequences of unknown length: output shapes from computeOutputShape', () => {
    const lstm = new LSTM(4, { returnSequences: true, returnState: true });
    expect(lstm.computeOutputShape([null, 3])).toEqual([[null, 4], [4], [4]]);
    expect(new Bidirectional(new GRU(2, { returnSequences: true })).computeOutputShape([null, 3])).toEqual([null, 4]);
    expect(new Bidirectional(new SimpleRNN(2, { returnState: true }), { mergeMode: null }).computeOutputShape([null, 3])).toEqual([
      [2],
      [2],
      [2],
      [2],
    ]);
  });

  test('Embedding(maskZero) -> LSTM -> Dense trains; padded steps do not change the prediction', async () => {
    nb.setSeed(1);
    const model = new Sequential([new Embedding(6, 4, { maskZero: true, inputLength: 4 }), new LSTM(8), new Dense(1)]);
    // The target is whether token 5 occurs; rows are left-padded with zeros.
    const rows = [
      [0, 0, 5, 1],
      [0, 2, 3, 4],
      [5, 2, 1, 3],
      [0, 0, 0, 2],
      [0, 5, 5, 3],
      [1, 2, 3, 4],
    ];
    const x = nb.tensor(rows, [6, 4], 'int32');
    const y = nb.tensor(rows.map((r) => [r.includes(5) ? 1 : 0]));
    model.compile({ optimizer: new Adam(0.03), loss: 'meanSquaredError' });
    const h = await model.fit(x, y, { epochs: 60, batchSize: 6, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 4);
    const padded = (await (model.predict(nb.tensor([[0, 0, 2, 4]], [1, 4], 'int32')) as nb.Tensor).data())[0];
    const unpadded = (await (model.predict(nb.tensor([[2, 4, 0, 0]], [1, 4], 'int32')) as nb.Tensor).data())[0];
    expect(padded).toBeCloseTo(unpadded, 5); // padding carries the state: only the tokens count
    model.dispose();
  });
});

describe('errors', () => {
  test('options and inputs are checked, naming the layer and the values', () => {
    expect(() => new LSTM(4, { stateful: true })).toThrow(/stateful: true is not supported/);
    expect(() => new GRU(0)).toThrow(/units must be a positive integer, got 0/);
    expect(() => new SimpleRNN(2, { dropout: 1 })).toThrow(/dropout must be in \[0, 1\), got 1/);
    expect(() => new LSTM(2, { return_sequences: true } as never)).toThrow(/returnSequences/);
    expect(() => new LSTM(2).apply(nb.zeros([2, 3]))).toThrow(/expects sequences \[batch, time, features\]/);
    expect(() => new LSTM(2, { returnSequences: true }).apply(nb.zeros([2, 0, 3]))).toThrow(
      /needs at least one timestep, got input shape \[2,0,3\]/,
    );
    expect(() => new LSTM(2).apply([nb.zeros([2, 3, 1]), nb.zeros([2, 2])])).toThrow(/takes 2 initial states, got 1/);
    expect(() => new GRU(2).apply([nb.zeros([2, 3, 1]), nb.zeros([2, 3])])).toThrow(
      /an initial state must be \[batch, 2\], got \[null,3\]/,
    );
    expect(() => new GRU(2).apply(nb.zeros([2, 3, 1]), { training: false, mask: nb.zeros([2, 4], 'bool') })).toThrow(
      /mask must be \[batch, time\] = \[2,3\]/,
    );
    expect(() => new Bidirectional(new LSTM(2), { mergeMode: 'max' as never })).toThrow(/mergeMode must be one of/);
    expect(() => new Bidirectional(new Dense(2) as never)).toThrow(/wraps SimpleRNN, LSTM or GRU, got Dense/);
    expect(() => new Bidirectional(new LSTM(2), { layer: new LSTM(2) })).toThrow(/layer is given twice/);
    expect(() => new Bidirectional(new GRU(2)).apply([nb.zeros([2, 3, 1]), nb.zeros([2, 2])])).toThrow(
      /takes 2 initial states \(forward's, then backward's\), got 1/,
    );
  });
});
