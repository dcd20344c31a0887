import * as nb from '@nabla/core';
import { loadDigits, MNIST_MLP_DEFAULTS, mnistModel, PIXELS } from './mnist-mlp.js';
import { type ExampleOptions, seedOf, type Trained, withDefaults } from './options.js';

export interface MnistStreamedResult extends Trained {
  testAccuracy: number;
  /** Batches the generator made (each once, as fit asked for it). */
  batchesMade: number;
}

/** A small seeded generator (mulberry32), for the per-epoch shuffle of the stream. */
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
 * The MNIST MLP of mnist-mlp.ts trained from a stream instead of tensors of the whole training
 * set: a generator makes each batch of 64 digits (a new shuffled order each epoch) only when
 * fit asks for it, as one would read batches from disk or the network. fit reads the next batch
 * while the current step runs and frees each batch after its step, so memory holds a batch or
 * two, whatever the data's size. Test data are streamed to evaluate the same way. The model
 * is returned: the caller disposes it.
 */
export async function mnistStreamed(
  log: (line: string) => void,
  opts: ExampleOptions & { samples?: number } = {},
): Promise<MnistStreamedResult> {
  const { images, labels } = await loadDigits(42);
  const n = Math.min(opts.samples ?? labels.length, labels.length);
  const nTrain = Math.round(n * 0.8);
  const { epochs, batchSize } = withDefaults(opts, MNIST_MLP_DEFAULTS);
  let batchesMade = 0;

  /** One batch of the digits at these positions: xs [b, 784] float32, ys [b] int32 labels. */
  const batchOf = (positions: ArrayLike<number>) => {
    const xs = new Float32Array(positions.length * PIXELS);
    const ys = new Int32Array(positions.length);
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i];
      xs.set(images.subarray(p * PIXELS, (p + 1) * PIXELS), i * PIXELS);
      ys[i] = labels[p];
    }
    batchesMade++;
    return { xs: nb.tensor(xs, [positions.length, PIXELS]), ys: nb.tensor(ys, [positions.length], 'int32') };
  };

  const random = seeded(seedOf(opts, 2, 7));
  /** One epoch of training batches, reshuffled: fit calls this function at each epoch. */
  function* trainEpoch() {
    const order = Int32Array.from({ length: nTrain }, (_, i) => i);
    for (let i = nTrain - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let i = 0; i < nTrain; i += batchSize) yield batchOf(order.subarray(i, Math.min(i + batchSize, nTrain)));
  }
  function* testData() {
    for (let i = nTrain; i < n; i += 500) yield batchOf(Int32Array.from({ length: Math.min(500, n - i) }, (_, k) => i + k));
  }

  const model = mnistModel(opts);
  log(`  ${nTrain} training digits streamed in batches of ${batchSize}, ${n - nTrain} held-out test digits streamed to evaluate`);
  const t0 = performance.now();
  const history = await model.fit(trainEpoch, {
    epochs,
    verbose: opts.verbose ?? 0,
    callbacks: opts.callbacks,
    seed: seedOf(opts, 2, 7),
    // A function: fit calls it for a fresh pass of the test digits at each evaluation.
    ...(opts.validation ? { validationData: testData } : {}),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const { accuracy } = await model.evaluate(testData());
  return { model, history, epochs, testAccuracy: accuracy, trainSamples: nTrain, trainSeconds, batchesMade };
}
