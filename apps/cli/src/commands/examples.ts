import * as nb from '@nabla/core';
import { charTransformer } from '../examples/char-transformer.js';
import { iris } from '../examples/iris.js';
import { linearRegression } from '../examples/linear-regression.js';
import { mnistCnn } from '../examples/mnist-cnn.js';
import { mnistMlp } from '../examples/mnist-mlp.js';
import { mnistStreamed } from '../examples/mnist-streamed.js';
import { seedLinreg } from '../examples/seed-linreg.js';
import { sequences } from '../examples/sequences.js';
import { twoMoons } from '../examples/two-moons.js';
import type { Io } from '../io.js';
import { progressOn } from '../progress.js';

/** One example: its name for --only, its title, and a run that prints its figures and says whether they pass. */
interface Example {
  name: string;
  title: string;
  /** Runs by default on the `onnx` backend alone; elsewhere (minutes on this machine's CPU) only with --only. */
  heavy?: boolean;
  /** Backends it does not run on by default (only with --only), and why. */
  slowOn?: { backends: string[]; why: string };
  run: (log: (line: string) => void) => Promise<boolean>;
}

/** The examples' names, in the order they run. */
export const EXAMPLE_NAMES = [
  'linear-regression',
  'two-moons',
  'seed-linreg',
  'mnist-mlp',
  'mnist-streamed',
  'iris',
  'mnist-cnn',
  'sequences',
  'char-transformer',
] as const;

function exampleList(io: Io): Example[] {
  // The MLP's accuracy from tensors, which the streamed run compares with when both run.
  let mlpAccuracy: number | undefined;
  const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
  // verbose 1: a bar on a terminal, one line per epoch otherwise.
  const progress = progressOn(io, 1);
  const list: Example[] = [
    {
      name: 'linear-regression',
      title: 'linear regression (y = 3x + U[0,1), gradient descent):',
      run: async (log) => {
        const t0 = performance.now();
        const lin = await linearRegression(log);
        const ok = Math.abs(lin.weight - 3) < 0.3 && Math.abs(lin.bias - 0.5) < 0.2;
        log(`  weight ${lin.weight.toFixed(3)} (expected ~3), bias ${lin.bias.toFixed(3)} (expected ~0.5), ${ms(t0)} ${verdict(ok)}`);
        return ok;
      },
    },
    {
      name: 'two-moons',
      title: 'two moons (2-16-2 tanh MLP, softmax cross-entropy, momentum SGD):',
      run: async (log) => {
        const t0 = performance.now();
        const moons = await twoMoons(log);
        const ok = moons.accuracy >= 0.95;
        log(`  training accuracy ${(moons.accuracy * 100).toFixed(1)}%, ${ms(t0)} ${verdict(ok)}`);
        return ok;
      },
    },
    {
      name: 'seed-linreg',
      title: 'seed example with @nabla/nn (Dense(1), adam, meanSquaredError), then trained longer:',
      run: async (log) => {
        const t0 = performance.now();
        const seed = await seedLinreg(log, 0);
        const ok =
          Math.abs(seed.weight - 3) < 0.1 &&
          Math.abs(seed.bias - 0.5) < 0.1 &&
          Math.abs(seed.weight - seed.lsWeight) < 0.02 &&
          Math.abs(seed.bias - seed.lsBias) < 0.02;
        log(
          `  weight ${seed.weight.toFixed(4)}, bias ${seed.bias.toFixed(4)} (least squares ${seed.lsWeight.toFixed(4)}, ${seed.lsBias.toFixed(4)}), loss ${seed.finalLoss.toFixed(5)}, ${ms(t0)} ${verdict(ok)}`,
        );
        return ok;
      },
    },
    {
      name: 'mnist-mlp',
      title: 'MNIST digits (784-128-10 MLP, adam, batch 64, 3 epochs):',
      run: async (log) => {
        const t0 = performance.now();
        const digits = await mnistMlp(log, progress);
        digits.model.dispose();
        mlpAccuracy = digits.testAccuracy;
        const ok = digits.testAccuracy >= 0.9;
        log(
          `  held-out test accuracy ${(digits.testAccuracy * 100).toFixed(1)}% (target 90%), training ${digits.trainSeconds.toFixed(1)} s, ${digits.samplesPerSecond.toFixed(0)} samples/s, ${ms(t0)} ${verdict(ok)}`,
        );
        return ok;
      },
    },
    {
      name: 'mnist-streamed',
      title: 'MNIST digits streamed (the same MLP, fit on a generator of batches, evaluate on another):',
      run: async (log) => {
        const t0 = performance.now();
        const streamed = await mnistStreamed(log, progress);
        streamed.model.dispose();
        const ok = streamed.testAccuracy >= 0.9 && (mlpAccuracy === undefined || Math.abs(streamed.testAccuracy - mlpAccuracy) < 0.02);
        const fromTensors = mlpAccuracy === undefined ? 'not run' : `${(mlpAccuracy * 100).toFixed(1)}%`;
        log(
          `  held-out test accuracy ${(streamed.testAccuracy * 100).toFixed(1)}% (from tensors: ${fromTensors}), ${streamed.batchesMade} batches made on demand, training ${streamed.trainSeconds.toFixed(1)} s, ${ms(t0)} ${verdict(ok)}`,
        );
        return ok;
      },
    },
    {
      name: 'iris',
      title: 'Iris (4-16-3 MLP on standardized features, adam):',
      run: async (log) => {
        const t0 = performance.now();
        const flowers = await iris(log);
        flowers.model.dispose();
        const ok = flowers.testAccuracy >= 0.9;
        log(`  held-out test accuracy ${(flowers.testAccuracy * 100).toFixed(1)}% (target 90%), ${ms(t0)} ${verdict(ok)}`);
        return ok;
      },
    },
    {
      name: 'mnist-cnn',
      title: 'MNIST digits with a CNN (Conv2D 16, max pool, Conv2D 32, max pool, dropout, Dense 10; adam, batch 64):',
      heavy: true,
      run: async (log) => {
        const t0 = performance.now();
        const cnn = await mnistCnn(log, progress);
        cnn.model.dispose();
        const ok = cnn.testAccuracy >= 0.975;
        log(
          `  held-out test accuracy ${(cnn.testAccuracy * 100).toFixed(1)}% (target 97.5%), training ${cnn.trainSeconds.toFixed(1)} s, ${cnn.samplesPerSecond.toFixed(0)} samples/s, ${ms(t0)} ${verdict(ok)}`,
        );
        return ok;
      },
    },
    {
      name: 'sequences',
      title: 'next values of noisy sine waves (LSTM(32) and GRU(32), then Dense(1); adam, cosine decay, 20 epochs):',
      // Each unrolled time step is a few tiny dispatches: the LSTM took 596 s on SwiftShader.
      slowOn: {
        backends: ['webgpu'],
        why: 'its unrolled recurrence is thousands of small dispatches: over 10 minutes on a software adapter',
      },
      run: async (log) => {
        let ok = true;
        for (const kind of ['LSTM', 'GRU'] as const) {
          const t0 = performance.now();
          const r = await sequences(kind, log, progress);
          r.model.dispose();
          // Below the noise's variance: closer to the clean next value than an observation of it is.
          const passed = r.validationMse < r.noiseVariance;
          log(
            `  ${kind}: validation MSE ${r.validationMse.toFixed(5)} (target < ${r.noiseVariance.toFixed(5)}, the noise's variance; repeating the last value: ${r.persistenceMse.toFixed(5)}), training ${r.trainSeconds.toFixed(1)} s, ${ms(t0)} ${verdict(passed)}`,
          );
          ok &&= passed;
        }
        return ok;
      },
    },
    {
      name: 'char-transformer',
      title: 'names, character by character (Embedding, PositionEmbedding, 2 causal TransformerEncoder blocks, Dense; adam):',
      heavy: true,
      run: async (log) => {
        const t0 = performance.now();
        const r = await charTransformer(log, progress);
        r.model.dispose();
        const target = 2.1;
        const ok = r.validationLoss < target;
        const bits = (nats: number) => (nats / Math.LN2).toFixed(2);
        log(`  samples at temperature 0.8: ${r.samples.join(', ')} (${r.samplesInTraining} of ${r.samples.length} in the training names)`);
        log(
          `  held-out loss ${r.validationLoss.toFixed(3)} nats per character (${bits(r.validationLoss)} bits; target < ${target}), training ${r.trainLoss.toFixed(3)}; ` +
            `without context (unigram entropy) ${r.unigramEntropy.toFixed(3)}, counting pairs (bigram) ${r.bigramLoss.toFixed(3)}; ` +
            `training ${r.trainSeconds.toFixed(1)} s, ${ms(t0)} ${verdict(ok)}`,
        );
        return ok;
      },
    },
  ];
  return list;
}

/**
 * `nabla examples [--backend NAME] [--only NAME,...]`: trains the examples on one backend and
 * checks each against its target; 1 when one misses it. The names were checked by the caller.
 */
export async function examples(only: string[] | undefined, io: Io): Promise<number> {
  const list = exampleList(io);
  io.out(`nabla examples on backend '${nb.getBackend()}'\n`);
  let failures = 0;
  for (const example of list) {
    const slow = example.slowOn?.backends.includes(nb.getBackend());
    if (only ? !only.includes(example.name) : (example.heavy && nb.getBackend() !== 'onnx') || slow) {
      if (!only) {
        const why = slow ? example.slowOn?.why : `by default it runs on onnx alone: minutes on ${nb.getBackend()}`;
        io.out(`${example.name}: skipped on ${nb.getBackend()} (${why}); run it here with --only ${example.name}\n`);
      }
      continue;
    }
    io.out(example.title);
    if (!(await example.run(io.out))) failures++;
    io.out('');
  }

  const mem = nb.memory();
  io.out(`live tensors at exit: ${mem.numTensors}, buffers: ${mem.numBuffers}`);
  return failures === 0 ? 0 : 1;
}
