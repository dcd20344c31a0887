#!/usr/bin/env node
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import { conformance } from './conformance.js';
import { charTransformer } from './examples/char-transformer.js';
import { iris } from './examples/iris.js';
import { linearRegression } from './examples/linear-regression.js';
import { mnistCnn } from './examples/mnist-cnn.js';
import { mnistMlp } from './examples/mnist-mlp.js';
import { mnistStreamed } from './examples/mnist-streamed.js';
import { seedLinreg } from './examples/seed-linreg.js';
import { sequences } from './examples/sequences.js';
import { twoMoons } from './examples/two-moons.js';

const USAGE = `usage: nabla examples [--backend NAME] [--only NAME[,NAME...]]
       nabla conformance [--backend NAME[,NAME...]] [--out DIR]

  examples      train the examples on the chosen backend (default: NABLA_BACKEND, else cpu);
                mnist-cnn and char-transformer run by default on onnx alone (they take minutes on
                the others, webgpu included); --only picks examples by name (comma-separated) and runs them anywhere
  conformance   run the conformance suite on each backend (and across each pair); with --out,
                write DIR/conformance.md (the matrix) and DIR/conformance.json`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

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

function exampleList(): Example[] {
  // The MLP's accuracy from tensors, which the streamed run compares with when both run.
  let mlpAccuracy: number | undefined;
  const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
  return [
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
        // verbose 1: a bar on a terminal, one line per epoch otherwise.
        const digits = await mnistMlp(log, { verbose: 1 });
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
        const streamed = await mnistStreamed(log, { verbose: 1 });
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
        const flowers = await iris(log, 0);
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
        const cnn = await mnistCnn(log, { verbose: 1 });
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
          const r = await sequences(kind, log, { verbose: 1 });
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
        const r = await charTransformer(log, { verbose: 1 });
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
}

async function examples(args: string[]): Promise<number> {
  const backend = option(args, '--backend');
  if (backend) nb.setBackend(backend);
  const list = exampleList();
  const only = option(args, '--only')?.split(',');
  const unknown = only?.filter((name) => !list.some((e) => e.name === name));
  if (unknown?.length) {
    console.error(`nabla examples: unknown example '${unknown.join("', '")}'; the examples are ${list.map((e) => e.name).join(', ')}`);
    return 1;
  }
  const log = (line: string) => console.log(line);
  console.log(`nabla examples on backend '${nb.getBackend()}'\n`);
  let failures = 0;
  for (const example of list) {
    const slow = example.slowOn?.backends.includes(nb.getBackend());
    if (only ? !only.includes(example.name) : (example.heavy && nb.getBackend() !== 'onnx') || slow) {
      if (!only) {
        const why = slow ? example.slowOn?.why : `by default it runs on onnx alone: minutes on ${nb.getBackend()}`;
        console.log(`${example.name}: skipped on ${nb.getBackend()} (${why}); run it here with --only ${example.name}\n`);
      }
      continue;
    }
    console.log(example.title);
    if (!(await example.run(log))) failures++;
    console.log('');
  }

  const mem = nb.memory();
  console.log(`live tensors at exit: ${mem.numTensors}, buffers: ${mem.numBuffers}`);
  return failures === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'examples':
      return examples(args.slice(1));
    case 'conformance':
      return conformance((option(args, '--backend') ?? nb.getBackend()).split(','), option(args, '--out'));
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return args[0] === undefined ? 1 : 0;
    default:
      console.error(`nabla: unknown command '${args[0]}'\n${USAGE}`);
      return 1;
  }
}

/**
 * Releases the devices and sessions of the backends this run used: a WebGPU device (Dawn) keeps
 * Node's process alive until it is destroyed. The current backend and every one --backend named.
 */
async function releaseBackends(args: string[]): Promise<void> {
  const named = option(args, '--backend')?.split(',') ?? [];
  let current: string[] = [];
  try {
    current = [nb.getBackend()];
  } catch {
    // NABLA_BACKEND names no registered backend: nothing of it to release.
  }
  for (const name of new Set([...current, ...named])) {
    if (nb.listBackends().includes(name)) await nb.getBackendInstance(name).destroy?.();
  }
}

const args = process.argv.slice(2);
main(args)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 1;
    },
  )
  .then(() => releaseBackends(args))
  .catch((err: unknown) => {
    console.error(`nabla: releasing the backends failed: ${err instanceof Error ? err.message : String(err)}`);
  });
