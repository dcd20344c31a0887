import type { Layer } from './layer.js';

/**
 * How the generic layer tests (layers/contract.test.ts, api-options.test.ts) exercise a layer
 * class: every registered class has at least one sample. For each the tests check that an unknown
 * option and a stray positional argument are errors, that the output shapes match
 * computeOutputShape, that a layer rebuilt from getConfig gives the same outputs, that float64
 * gradients (inputs and weights) match central differences, and that a model holding the layer
 * saves and loads.
 */
export interface LayerSample {
  /** What the sample shows ('stride 2, same padding, odd size'). */
  what: string;
  /** Constructs the layer with valid options plus `extra` keys. */
  make(extra?: object): Layer;
  /** Constructs it from valid positional arguments plus `extra` ones. */
  positional(...extra: unknown[]): Layer;
  /** Sample shape of the input (batch axis excluded), or of each input for a layer of several. */
  input: number[] | number[][];
  /** Integer inputs in [0, intRange) (Embedding's indices) instead of floats. */
  intRange?: number;
  /** Runs the layer in training mode (batch statistics). */
  training?: boolean;
  /** Why the float64 gradient check does not apply (it runs unless this says why). */
  noGradient?: string;
}
