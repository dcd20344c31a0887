import * as nb from '@nabla/core';
import { Adam, cosineDecay, Dense, GRU, LSTM, Sequential } from '@nabla/nn';
import { sineWaves } from './data/sine.js';
import { type ExampleOptions, type Settings, seedOf, type Trained, timedFit, withDefaults } from './options.js';

export type RecurrentKind = 'LSTM' | 'GRU';

/** The recurrent examples' defaults: Adam with a cosine decay from 0.02, batch 32, 20 epochs. */
export const SEQUENCE_DEFAULTS: Settings = { epochs: 20, batchSize: 32, learningRate: 0.02 };

export interface SequenceOptions extends ExampleOptions {
  /** Training sequences (default 2,000); validation has a quarter as many, drawn with another seed. */
  samples?: number;
  /** Time steps per sequence (default 20). */
  length?: number;
  /** Recurrent units (default 32). */
  units?: number;
}

export interface SequenceResult extends Trained {
  kind: RecurrentKind;
  validationSamples: number;
  /** Mean squared error of the predicted next value on the validation waves. */
  validationMse: number;
  /** The same for repeating each validation sequence's last observation. */
  persistenceMse: number;
  /** The variance of the noise on each observation (noise deviation squared). */
  noiseVariance: number;
}

const NOISE = 0.05;

/**
 * An LSTM or a GRU (then Dense(1)) predicting the next value of noisy sine waves (data/sine.ts:
 * random amplitude, frequency and phase, Gaussian noise of deviation 0.05 on every observation,
 * the clean value as the target). Adam with a cosine decay from 0.02, mean squared error, batch 32. Validation waves come from
 * another seed: waves the model has never seen. The model is returned: the caller disposes it.
 */
export async function sequences(kind: RecurrentKind, log: (line: string) => void, opts: SequenceOptions = {}): Promise<SequenceResult> {
  const { samples = 2000, length = 20, units = 32, verbose = 0 } = opts;
  const { epochs, batchSize, learningRate: initialLearningRate } = withDefaults(opts, SEQUENCE_DEFAULTS);
  const nVal = Math.max(1, Math.round(samples / 4));
  const train = await sineWaves({ samples, length, noise: NOISE, seed: 1 });
  const val = await sineWaves({ samples: nVal, length, noise: NOISE, seed: 2 });
  // The recurrent layer's initializers draw from the global stream: the same weights on every run.
  nb.setSeed(opts.seed ?? (kind === 'LSTM' ? 21 : 22));
  const Cell = kind === 'LSTM' ? LSTM : GRU;
  const model = new Sequential([new Cell(units, { inputShape: [length, 1] }), new Dense(1)]);
  // From 0.02 down to 0 over the run (cosine): fast at first, then fine steps below the noise.
  const steps = epochs * Math.ceil(samples / batchSize);
  const learningRate = cosineDecay({ initialLearningRate, decaySteps: steps });
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'meanSquaredError' });
  log(`  ${kind}(${units}): ${samples} training and ${nVal} validation waves of ${length} steps, ${epochs} epochs`);
  const { history, trainSeconds } = await timedFit(model, train.x, train.y, opts, {
    epochs,
    batchSize,
    seed: seedOf(opts, 1, 4),
    heldOut: [val.x, val.y],
    verbose,
  });
  const { loss } = await model.evaluate(val.x, val.y, { batchSize: nVal });
  nb.dispose([train.x, train.y, val.x, val.y]);
  return {
    model,
    history,
    epochs,
    kind,
    trainSamples: samples,
    validationSamples: nVal,
    validationMse: loss,
    persistenceMse: val.persistenceMse,
    noiseVariance: NOISE * NOISE,
    trainSeconds,
  };
}
