#!/usr/bin/env node
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import { conformance } from './conformance.js';
import { iris } from './examples/iris.js';
import { linearRegression } from './examples/linear-regression.js';
import { mnistMlp } from './examples/mnist-mlp.js';
import { mnistStreamed } from './examples/mnist-streamed.js';
import { seedLinreg } from './examples/seed-linreg.js';
import { twoMoons } from './examples/two-moons.js';

const USAGE = `usage: nabla examples [--backend NAME]
       nabla conformance [--backend NAME[,NAME...]] [--out DIR]

  examples      train the examples on the chosen backend (default: NABLA_BACKEND, else cpu)
  conformance   run the conformance suite on each backend (and across each pair); with --out,
                write DIR/conformance.md (the matrix) and DIR/conformance.json`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function examples(args: string[]): Promise<number> {
  const backend = option(args, '--backend');
  if (backend) nb.setBackend(backend);
  const log = (line: string) => console.log(line);
  console.log(`nabla examples on backend '${nb.getBackend()}'\n`);
  let failures = 0;

  console.log('linear regression (y = 3x + U[0,1), gradient descent):');
  let t0 = performance.now();
  const lin = await linearRegression(log);
  const linOk = Math.abs(lin.weight - 3) < 0.3 && Math.abs(lin.bias - 0.5) < 0.2;
  console.log(
    `  weight ${lin.weight.toFixed(3)} (expected ~3), bias ${lin.bias.toFixed(3)} (expected ~0.5), ${(performance.now() - t0).toFixed(0)} ms ${linOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!linOk) failures++;

  console.log('two moons (2-16-2 tanh MLP, softmax cross-entropy, momentum SGD):');
  t0 = performance.now();
  const moons = await twoMoons(log);
  const moonsOk = moons.accuracy >= 0.95;
  console.log(
    `  training accuracy ${(moons.accuracy * 100).toFixed(1)}%, ${(performance.now() - t0).toFixed(0)} ms ${moonsOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!moonsOk) failures++;

  console.log('seed example with @nabla/nn (Dense(1), adam, meanSquaredError), then trained longer:');
  t0 = performance.now();
  const seed = await seedLinreg(log, 0);
  const seedOk =
    Math.abs(seed.weight - 3) < 0.1 &&
    Math.abs(seed.bias - 0.5) < 0.1 &&
    Math.abs(seed.weight - seed.lsWeight) < 0.02 &&
    Math.abs(seed.bias - seed.lsBias) < 0.02;
  console.log(
    `  weight ${seed.weight.toFixed(4)}, bias ${seed.bias.toFixed(4)} (least squares ${seed.lsWeight.toFixed(4)}, ${seed.lsBias.toFixed(4)}), loss ${seed.finalLoss.toFixed(5)}, ${(performance.now() - t0).toFixed(0)} ms ${seedOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!seedOk) failures++;

  console.log('MNIST digits (784-128-10 MLP, adam, batch 64, 3 epochs):');
  t0 = performance.now();
  // verbose 1: a bar on a terminal, one line per epoch otherwise.
  const digits = await mnistMlp(log, { verbose: 1 });
  const digitsOk = digits.testAccuracy >= 0.9;
  console.log(
    `  held-out test accuracy ${(digits.testAccuracy * 100).toFixed(1)}% (target 90%), training ${digits.trainSeconds.toFixed(1)} s, ${digits.samplesPerSecond.toFixed(0)} samples/s, ${(performance.now() - t0).toFixed(0)} ms ${digitsOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!digitsOk) failures++;

  console.log('MNIST digits streamed (the same MLP, fit on a generator of batches, evaluate on another):');
  t0 = performance.now();
  const streamed = await mnistStreamed(log, { verbose: 1 });
  const streamedOk = streamed.testAccuracy >= 0.9 && Math.abs(streamed.testAccuracy - digits.testAccuracy) < 0.02;
  console.log(
    `  held-out test accuracy ${(streamed.testAccuracy * 100).toFixed(1)}% (from tensors: ${(digits.testAccuracy * 100).toFixed(1)}%), ${streamed.batchesMade} batches made on demand, training ${streamed.trainSeconds.toFixed(1)} s, ${(performance.now() - t0).toFixed(0)} ms ${streamedOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!streamedOk) failures++;

  console.log('Iris (4-16-3 MLP on standardized features, adam):');
  t0 = performance.now();
  const flowers = await iris(log, 0);
  const flowersOk = flowers.testAccuracy >= 0.9;
  console.log(
    `  held-out test accuracy ${(flowers.testAccuracy * 100).toFixed(1)}% (target 90%), ${(performance.now() - t0).toFixed(0)} ms ${flowersOk ? 'ok' : 'FAILED'}\n`,
  );
  if (!flowersOk) failures++;

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exitCode = 1;
  },
);
