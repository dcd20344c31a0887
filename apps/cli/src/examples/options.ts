import type * as nb from '@nabla/core';
import type { Callback, History, Model } from '@nabla/nn';

/**
 * What `nabla train` may change in an example. Each example's defaults are the values
 * `nabla examples` has always used, so its figures do not move.
 */
export interface ExampleOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Seeds the initial weights and the shuffle (default: the example's own fixed seeds). */
  seed?: number;
  verbose?: 0 | 1 | 2;
  /** More callbacks for fit (nabla train's progress output when it is not the process's stdout). */
  callbacks?: Callback[];
  /** Evaluate the held-out data after each epoch too (fit's validationData: val_ logs, for the plot). */
  validation?: boolean;
}

/** What every trained example returns besides its figures: its model (the caller disposes it) and fit's history. */
export interface Trained {
  // biome-ignore lint/suspicious/noExplicitAny: a Sequential or a functional model of any outputs
  model: Model<any>;
  history: History;
  epochs: number;
  trainSamples: number;
  trainSeconds: number;
}

/**
 * The k-th seed of an example: its fixed default when no seed is given, else seed + k (so that
 * one --seed moves every initializer and the shuffle, each to a different stream).
 */
export function seedOf(opts: ExampleOptions, k: number, fixed: number): number {
  return opts.seed === undefined ? fixed : opts.seed + k;
}

/** The numeric settings an example trains with. */
export interface Settings {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** The example's defaults, with what the options give in their place. */
export function withDefaults(opts: ExampleOptions, defaults: Settings): Settings {
  return {
    epochs: opts.epochs ?? defaults.epochs,
    batchSize: opts.batchSize ?? defaults.batchSize,
    learningRate: opts.learningRate ?? defaults.learningRate,
  };
}

/** What an example's fit takes besides the options: its settings, its shuffle's seed and its held-out data. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  seed: number;
  /** Evaluated after each epoch when the options ask for validation. */
  heldOut?: [nb.Tensor, nb.Tensor];
  /** In place of the options' verbosity (default 0). */
  verbose?: 0 | 1 | 2;
}

/** fit as every example calls it (the options' callbacks, validation when asked for), timed. */
export async function timedFit(
  // biome-ignore lint/suspicious/noExplicitAny: a Sequential or a functional model of any outputs
  model: Model<any>,
  x: nb.Tensor,
  y: nb.Tensor,
  opts: ExampleOptions,
  settings: FitSettings,
): Promise<{ history: History; trainSeconds: number }> {
  const t0 = performance.now();
  const history = await model.fit(x, y, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    verbose: settings.verbose ?? opts.verbose ?? 0,
    callbacks: opts.callbacks,
    seed: settings.seed,
    ...(opts.validation && settings.heldOut ? { validationData: settings.heldOut } : {}),
  });
  return { history, trainSeconds: (performance.now() - t0) / 1000 };
}
