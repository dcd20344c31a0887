import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import { expect, test } from 'vitest';
import { toOnnx } from './export.js';
import { expectSameAsPredict, randomize } from './test-utils/export-check.js';

/**
 * The recurrent layers against model.predict: ONNX's RNN, LSTM and GRU ops without masks, the
 * unrolled steps with them (padding anywhere, as Embedding's maskZero makes it) or with an
 * activation the ops lack.
 */

const x = (shape: number[], seed: number) => nb.randomUniform([3, ...shape], { minval: -2, maxval: 2, seed });

/** Indices with zeros (masked) at the ends of two sequences and in the middle of the third. */
const PADDED = nb.tensor(
  [
    [3, 1, 4, 1, 5],
    [2, 7, 0, 0, 0],
    [8, 0, 2, 6, 0],
  ],
  [3, 5],
  'int32',
);

async function check(build: (seq: nn.SymbolicTensor) => nn.SymbolicTensor | nn.SymbolicTensor[], masked: boolean, seed: number) {
  nb.setBackend('cpu');
  const input = masked ? nn.input({ shape: [5], dtype: 'int32', name: 'ids' }) : nn.input({ shape: [5, 3], name: 'seq' });
  const seq = masked ? new nn.Embedding(9, 3, { maskZero: true }).apply(input) : input;
  const model = new nn.Model({ inputs: input, outputs: build(seq) });
  randomize(model, seed);
  await expectSameAsPredict(model, [masked ? PADDED : x([5, 3], seed)]);
  model.dispose();
}

const flat = (ts: nn.SymbolicTensor | nn.SymbolicTensor[]) => (Array.isArray(ts) ? ts : [ts]);

for (const masked of [false, true]) {
  const how = masked ? 'unrolled, with a mask from Embedding(maskZero)' : "ONNX's op";
  test(`SimpleRNN, LSTM, GRU (resetAfter and not): last output, sequences, states, goBackwards (${how})`, async () => {
    await check(
      (s) => [
        new nn.SimpleRNN(4).apply(s) as nn.SymbolicTensor,
        ...flat(new nn.SimpleRNN(3, { returnSequences: true, goBackwards: true, returnState: true, activation: 'relu' }).apply(s)),
        ...flat(new nn.LSTM(4, { returnSequences: true, returnState: true }).apply(s)),
        new nn.LSTM(3, { goBackwards: true, recurrentActivation: 'hardSigmoid' }).apply(s) as nn.SymbolicTensor,
        ...flat(new nn.GRU(4, { returnState: true }).apply(s)),
        new nn.GRU(3, { resetAfter: false, returnSequences: true, goBackwards: true }).apply(s) as nn.SymbolicTensor,
        new nn.GRU(2, { useBias: false }).apply(s) as nn.SymbolicTensor,
      ],
      masked,
      masked ? 2 : 1,
    );
  });

  test(`Bidirectional: concat, sum, ave, mul and null merges, states, a wrapped goBackwards layer (${how})`, async () => {
    await check(
      (s) => [
        new nn.Bidirectional(new nn.LSTM(3, { returnSequences: true })).apply(s) as nn.SymbolicTensor,
        new nn.Bidirectional(new nn.GRU(2), { mergeMode: 'sum' }).apply(s) as nn.SymbolicTensor,
        new nn.Bidirectional(new nn.SimpleRNN(2, { returnSequences: true, goBackwards: true }), { mergeMode: 'ave' }).apply(
          s,
        ) as nn.SymbolicTensor,
        ...flat(new nn.Bidirectional(new nn.GRU(2, { returnState: true, resetAfter: false }), { mergeMode: null }).apply(s)),
        ...flat(new nn.Bidirectional(new nn.LSTM(2, { returnState: true, returnSequences: true }), { mergeMode: 'mul' }).apply(s)),
      ],
      masked,
      masked ? 4 : 3,
    );
  });
}

test('initial states as inputs, in a Sequential and a functional model; an activation ONNX recurrent ops lack', async () => {
  nb.setBackend('cpu');
  const seq = nn.input({ shape: [4, 2], name: 'seq' });
  const h = nn.input({ shape: [3], name: 'h' });
  const c = nn.input({ shape: [3], name: 'c' });
  const lstm = new nn.LSTM(3, { returnSequences: true }).apply([seq, h, c]) as nn.SymbolicTensor;
  const gru = new nn.GRU(3, { activation: 'gelu' }).apply([lstm, h]) as nn.SymbolicTensor;
  const bi = new nn.Bidirectional(new nn.SimpleRNN(3)).apply([seq, h, c]) as nn.SymbolicTensor;
  const model = new nn.Model({ inputs: [seq, h, c], outputs: [gru, bi] });
  randomize(model, 5);
  await expectSameAsPredict(model, [x([4, 2], 6), x([3], 7), x([3], 8)]);
  model.dispose();
  const stack = new nn.Sequential([new nn.LSTM(4, { returnSequences: true, inputShape: [5, 3] }), new nn.GRU(2), new nn.Dense(1)]);
  stack.predict(nb.zeros([1, 5, 3])).dispose();
  randomize(stack, 9);
  await expectSameAsPredict(stack, [x([5, 3], 10)]);
  const text = new TextDecoder('latin1').decode(await toOnnx(stack));
  // Without masks each layer is one ONNX op (its node name n<k>_LSTM holds the op type too).
  expect(text.split('LSTM').length - 1).toBe(2);
  expect(text.split('GRU').length - 1).toBe(2);
  stack.dispose();
});
