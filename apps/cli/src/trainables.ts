import { CHAR_TRANSFORMER_DEFAULTS, charTransformer } from './examples/char-transformer.js';
import { IRIS_DEFAULTS, iris } from './examples/iris.js';
import { MNIST_CNN_DEFAULTS, mnistCnn } from './examples/mnist-cnn.js';
import { MNIST_MLP_DEFAULTS, mnistMlp } from './examples/mnist-mlp.js';
import { mnistStreamed } from './examples/mnist-streamed.js';
import type { ExampleOptions, Settings, Trained } from './examples/options.js';
import { SEED_TRAIN_DEFAULTS, trainSeed } from './examples/seed-linreg.js';
import { SEQUENCE_DEFAULTS, sequences } from './examples/sequences.js';

/** A trained example with its figures and whether they met its target. */
export interface TrainOutcome extends Trained {
  /** The example's own figures (accuracy, weights...), one line. */
  figures: string;
  target: { met: boolean; text: string };
}

/** An example `nabla train` runs: a model of @nabla/nn. */
export interface Trainable {
  name: string;
  /** Other names it answers to (the `nabla examples` names). */
  aliases: string[];
  /** One line for --help. */
  description: string;
  defaults: Settings;
  /** Minutes on the cpu backend: said in the help. */
  slow?: boolean;
  /**
   * The example's own loss function, saved by its name: loadModel takes it from customObjects
   * to train on; predicting needs nothing (nabla predict loads the model uncompiled).
   */
  customLoss?: string;
  run(log: (line: string) => void, opts: ExampleOptions): Promise<TrainOutcome>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const TRAINABLES: Trainable[] = [
  {
    name: 'seed',
    aliases: ['seed-linreg'],
    description: "the README's seed example: Dense(1) fitted to y = 3x + U[0,1) by Adam on mean squared error",
    defaults: SEED_TRAIN_DEFAULTS,
    run: async (_log, opts) => {
      const r = await trainSeed(opts);
      const near = Math.max(Math.abs(r.weight - r.lsWeight), Math.abs(r.bias - r.lsBias));
      return {
        ...r,
        figures: `weight ${r.weight.toFixed(4)}, bias ${r.bias.toFixed(4)} (least squares ${r.lsWeight.toFixed(4)}, ${r.lsBias.toFixed(4)})`,
        target: { met: near < 0.05, text: 'weight and bias within 0.05 of the least-squares line' },
      };
    },
  },
  {
    name: 'mnist-mlp',
    aliases: ['mlp'],
    description: 'a 784-128-10 MLP on 10,000 MNIST digits (80% trained on, 20% held out)',
    defaults: MNIST_MLP_DEFAULTS,
    run: async (log, opts) => {
      const r = await mnistMlp(log, opts);
      return {
        ...r,
        figures: `held-out test accuracy ${pct(r.testAccuracy)}`,
        target: { met: r.testAccuracy >= 0.9, text: 'held-out accuracy at least 90%' },
      };
    },
  },
  {
    name: 'mnist-streamed',
    aliases: [],
    description: 'the MNIST MLP fit on a generator of batches made on demand',
    defaults: MNIST_MLP_DEFAULTS,
    run: async (log, opts) => {
      const r = await mnistStreamed(log, opts);
      return {
        ...r,
        figures: `held-out test accuracy ${pct(r.testAccuracy)}, ${r.batchesMade} batches made on demand`,
        target: { met: r.testAccuracy >= 0.9, text: 'held-out accuracy at least 90%' },
      };
    },
  },
  {
    name: 'mnist-cnn',
    aliases: ['cnn'],
    description: 'Conv2D 16, max pool, Conv2D 32, max pool, dropout, Dense 10 on the MNIST digits',
    defaults: MNIST_CNN_DEFAULTS,
    slow: true,
    run: async (log, opts) => {
      const r = await mnistCnn(log, opts);
      return {
        ...r,
        figures: `held-out test accuracy ${pct(r.testAccuracy)}`,
        target: { met: r.testAccuracy >= 0.975, text: 'held-out accuracy at least 97.5%' },
      };
    },
  },
  ...(['LSTM', 'GRU'] as const).map(
    (kind): Trainable => ({
      name: kind.toLowerCase(),
      aliases: [],
      description: `${kind}(32) then Dense(1) predicting the next value of noisy sine waves (cosine-decayed Adam)`,
      defaults: SEQUENCE_DEFAULTS,
      run: async (log, opts) => {
        const r = await sequences(kind, log, opts);
        return {
          ...r,
          figures: `validation MSE ${r.validationMse.toFixed(5)} (repeating the last value: ${r.persistenceMse.toFixed(5)})`,
          target: {
            met: r.validationMse < r.noiseVariance,
            text: `validation MSE below the noise's variance, ${r.noiseVariance.toFixed(5)}`,
          },
        };
      },
    }),
  ),
  {
    name: 'transformer',
    aliases: ['char-transformer'],
    description: 'a character-level Transformer (2 causal encoder blocks) on 8,422 first names',
    defaults: CHAR_TRANSFORMER_DEFAULTS,
    slow: true,
    customLoss: 'characterLoss',
    run: async (log, opts) => {
      const r = await charTransformer(log, opts);
      return {
        ...r,
        figures: `held-out loss ${r.validationLoss.toFixed(3)} nats per character; samples: ${r.samples.join(', ')}`,
        target: { met: r.validationLoss < 2.1, text: 'held-out loss below 2.1 nats per character' },
      };
    },
  },
  {
    name: 'iris',
    aliases: [],
    description: "a 4-16-3 MLP on Fisher's Iris (standardized features; 80% trained on, 20% held out)",
    defaults: IRIS_DEFAULTS,
    run: async (log, opts) => {
      const r = await iris(log, opts);
      return {
        ...r,
        figures: `held-out test accuracy ${pct(r.testAccuracy)}`,
        target: { met: r.testAccuracy >= 0.9, text: 'held-out accuracy at least 90%' },
      };
    },
  },
];

/** Examples of `nabla examples` that `nabla train` does not take, and why. */
export const NOT_TRAINABLE: Record<string, string> = {
  'linear-regression': 'it is written with core ops (autodiff and a hand-written step), not a @nabla/nn model',
  'two-moons': 'it is written with core ops (autodiff and momentum SGD by hand), not a @nabla/nn model',
  sequences: 'it trains two models: train lstm or gru',
};

export function findTrainable(name: string): Trainable | undefined {
  return TRAINABLES.find((t) => t.name === name || t.aliases.includes(name));
}
