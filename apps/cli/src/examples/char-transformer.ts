import * as nb from '@nabla/core';
import { Adam, Add, Dense, Embedding, input, Model, PositionEmbedding, TransformerEncoder } from '@nabla/nn';
import { names as allNames } from './data/names.js';
import { type ExampleOptions, type Settings, seedOf, type Trained, timedFit, withDefaults } from './options.js';

/**
 * Token ids: 0 pads a name to the model's length, 1 ('.') starts and ends a name, then the
 * alphabet of the names (a-z and '-').
 */
const PAD = 0;
const END = 1;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz-';
const VOCAB = ALPHABET.length + 2;
/** The longest name has 15 letters: '.' and 15 letters in, 15 letters and '.' out. */
const LENGTH = 16;

function tokenOf(ch: string): number {
  const i = ALPHABET.indexOf(ch);
  if (i < 0) throw new nb.NablaError(`char-transformer: character '${ch}' is not in the alphabet ${ALPHABET}`);
  return i + 2;
}

/**
 * Inputs ('.' then the name) and targets (the name then '.'), each [names, LENGTH] and padded
 * with PAD: position t of the input predicts position t of the target.
 */
function encode(list: string[]): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(list.length * LENGTH);
  const y = new Int32Array(list.length * LENGTH);
  list.forEach((name, i) => {
    if (name.length >= LENGTH) throw new nb.NablaError(`char-transformer: '${name}' is longer than ${LENGTH - 1} characters`);
    x[i * LENGTH] = END;
    for (let t = 0; t < name.length; t++) {
      x[i * LENGTH + t + 1] = tokenOf(name[t]);
      y[i * LENGTH + t] = tokenOf(name[t]);
    }
    y[i * LENGTH + name.length] = END;
  });
  return { x, y };
}

/**
 * Sparse categorical cross-entropy from logits, averaged over the characters that are not
 * padding: the loss per character. (The built-in loss would also score the padding after each
 * name, which is trivially predictable and would make the loss look better than it is.)
 */
export function characterLoss(yTrue: nb.Tensor, logits: nb.Tensor): nb.Tensor {
  return nb.tidy(() => {
    const labels = nb.cast(yTrue, 'int32');
    const real = nb.cast(nb.notEqual(labels, PAD), logits.dtype);
    const nll = nb.neg(nb.takeAlongLastAxis(nb.logSoftmax(logits), labels));
    return nb.div(nb.sum(nb.mul(nll, real)), nb.maximum(nb.sum(real), 1));
  });
}

/** The entropy (nats) of the characters' frequencies in `targets`, padding left out: a model that ignores context does no better. */
function unigramEntropy(targets: Int32Array): number {
  const counts = new Array<number>(VOCAB).fill(0);
  for (const t of targets) if (t !== PAD) counts[t]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return -counts.reduce((h, c) => (c === 0 ? h : h + (c / total) * Math.log(c / total)), 0);
}

/**
 * The loss per character (nats) on `val` of counting character pairs in `train` (add-one
 * smoothing over the 28 characters that can follow): the loss of a model that sees one character back.
 */
function bigramLoss(train: { x: Int32Array; y: Int32Array }, val: { x: Int32Array; y: Int32Array }): number {
  const counts = new Float64Array(VOCAB * VOCAB);
  train.y.forEach((next, k) => {
    if (next !== PAD) counts[train.x[k] * VOCAB + next]++;
  });
  let nll = 0;
  let n = 0;
  val.y.forEach((next, k) => {
    if (next === PAD) return;
    const row = counts.subarray(val.x[k] * VOCAB, (val.x[k] + 1) * VOCAB);
    const total = row.reduce((a, b) => a + b, 0);
    nll -= Math.log((row[next] + 1) / (total + VOCAB - 1));
    n++;
  });
  return nll / n;
}

/** The Transformer's defaults: Adam at 0.003, batch 64, 10 epochs. */
export const CHAR_TRANSFORMER_DEFAULTS: Settings = { epochs: 10, batchSize: 64, learningRate: 0.003 };

export interface CharTransformerOptions extends ExampleOptions {
  /** Names used, training and validation together (default all 8,422). */
  names?: number;
  /** Embedding size (default 64). */
  dim?: number;
  /** Transformer blocks (default 2). */
  blocks?: number;
  /** Names sampled after training (default 10). */
  samples?: number;
  /** Sampling temperature (default 0.8). */
  temperature?: number;
}

export interface CharTransformerResult extends Trained {
  trainNames: number;
  validationNames: number;
  /** Nats per character (the name's letters and its end) on the held-out names. */
  validationLoss: number;
  trainLoss: number;
  /** The entropy of the training characters' frequencies, nats: the loss without context. */
  unigramEntropy: number;
  /** The held-out loss of counting character pairs, nats (bigramLoss). */
  bigramLoss: number;
  samples: string[];
  /** Generated names that are also in the training list. */
  samplesInTraining: number;
}

/**
 * A decoder-only character-level Transformer on first names: token Embedding plus a learned
 * PositionEmbedding, TransformerEncoder blocks with a causal mask (normalizeFirst, as GPT-2),
 * Dense(vocabulary) logits. Trained with Adam on 90% of the names (seeded shuffle) to predict
 * each next character; scored on the other 10% per character; then it writes new names by
 * temperature sampling, seeded. The model is returned: the caller disposes it.
 */
export async function charTransformer(log: (line: string) => void, opts: CharTransformerOptions = {}): Promise<CharTransformerResult> {
  const { dim = 64, blocks = 2, samples = 10, temperature = 0.8, verbose = 0 } = opts;
  const { epochs, batchSize, learningRate } = withDefaults(opts, CHAR_TRANSFORMER_DEFAULTS);
  // The initializers without a seed of their own (the blocks' sublayers) draw from this stream.
  nb.setSeed(opts.seed ?? 12);
  const everyName = allNames();
  const shuffled = await seededOrder(everyName, 3);
  const list = shuffled.slice(0, Math.min(opts.names ?? shuffled.length, shuffled.length));
  const nTrain = Math.round(list.length * 0.9);
  const train = encode(list.slice(0, nTrain));
  const val = encode(list.slice(nTrain));
  const nVal = list.length - nTrain;
  const xTrain = nb.tensor(train.x, [nTrain, LENGTH], 'int32');
  const yTrain = nb.tensor(train.y, [nTrain, LENGTH], 'int32');
  const xVal = nb.tensor(val.x, [nVal, LENGTH], 'int32');
  const yVal = nb.tensor(val.y, [nVal, LENGTH], 'int32');

  const tokens = input({ shape: [LENGTH], dtype: 'int32' });
  const embedded = new Embedding(VOCAB, dim).apply(tokens);
  let x = new Add().apply([embedded, new PositionEmbedding(LENGTH).apply(embedded)]);
  // The causal mask keeps each position from seeing later ones, padding included, so no padding mask is needed.
  for (let b = 0; b < blocks; b++) {
    x = new TransformerEncoder(4 * dim, 4, { useCausalMask: true, normalizeFirst: true }).apply(x);
  }
  const logits = new Dense(VOCAB).apply(x);
  const model = new Model({ inputs: tokens, outputs: logits });
  model.compile({ optimizer: new Adam({ learningRate }), loss: characterLoss });
  const entropy = unigramEntropy(train.y);
  log(`  ${nTrain} training and ${nVal} held-out names, ${VOCAB - 1} characters and padding, ${epochs} epochs`);

  const { history, trainSeconds } = await timedFit(model, xTrain, yTrain, opts, {
    epochs,
    batchSize,
    seed: seedOf(opts, 1, 5),
    heldOut: [xVal, yVal],
    verbose,
  });
  // One batch each: the loss is then the mean over every character, not a mean of batch means.
  const trainLoss = (await model.evaluate(xTrain, yTrain, { batchSize: nTrain })).loss;
  const validationLoss = (await model.evaluate(xVal, yVal, { batchSize: nVal })).loss;
  const generated = await sample(model, samples, temperature, 99);
  const known = new Set(list.slice(0, nTrain));
  nb.dispose([xTrain, yTrain, xVal, yVal]);
  return {
    model,
    history,
    epochs,
    trainSamples: nTrain,
    trainNames: nTrain,
    validationNames: nVal,
    validationLoss,
    trainLoss,
    unigramEntropy: entropy,
    bigramLoss: bigramLoss(train, val),
    samples: generated,
    samplesInTraining: generated.filter((n) => known.has(n)).length,
    trainSeconds,
  };
}

/** `list` in an order fixed by `seed` (sorted by seeded uniform keys, the same on every backend). */
async function seededOrder<T>(list: T[], seed: number): Promise<T[]> {
  const keysT = nb.randomUniform([list.length], { seed });
  const keys = await keysT.data();
  keysT.dispose();
  return Array.from(list.keys())
    .sort((a, b) => keys[a] - keys[b])
    .map((i) => list[i]);
}

/**
 * `count` names written one character at a time, all at once: each step runs the model on the
 * names so far and draws every name's next character from softmax(logits / temperature) with
 * seeded uniforms (inverse CDF on the host). A name ends at '.' or at LENGTH - 1 letters.
 */
async function sample(model: Model, count: number, temperature: number, seed: number): Promise<string[]> {
  const ids = new Int32Array(count * LENGTH);
  for (let i = 0; i < count; i++) ids[i * LENGTH] = END;
  const done = new Array<boolean>(count).fill(false);
  const out = new Array<string>(count).fill('');
  for (let t = 0; t < LENGTH - 1 && done.includes(false); t++) {
    const probs = nb.tidy(() => {
      const logits = model.predict(nb.tensor(ids, [count, LENGTH], 'int32'), { batchSize: count }) as nb.Tensor;
      const last = nb.reshape(nb.slice(logits, [0, t, 0], [count, 1, VOCAB]), [count, VOCAB]);
      return nb.softmax(nb.div(last, temperature));
    });
    const p = await probs.data();
    probs.dispose();
    const uT = nb.randomUniform([count], { seed: seed + t });
    const u = await uT.data();
    uT.dispose();
    for (let i = 0; i < count; i++) {
      if (done[i]) continue;
      // Padding is never a character to write: draw among the others.
      let total = 0;
      for (let v = 1; v < VOCAB; v++) total += p[i * VOCAB + v];
      let acc = 0;
      let pick = VOCAB - 1;
      for (let v = 1; v < VOCAB; v++) {
        acc += p[i * VOCAB + v] / total;
        if (u[i] < acc) {
          pick = v;
          break;
        }
      }
      if (pick === END) done[i] = true;
      else {
        out[i] += ALPHABET[pick - 2];
        ids[i * LENGTH + t + 1] = pick;
      }
    }
  }
  return out;
}
