/**
 * A case passes when every element satisfies |actual - expected| <= atol + rtol * |expected|
 * (NaN matches NaN, an infinity matches the same infinity). Each case states its tolerance;
 * TOLERANCES names the ones in use, documented in docs/conformance.md.
 */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export const TOLERANCES = {
  /** Bit-exact: integer, boolean and movement results, and the RNG. */
  exact: { rtol: 0, atol: 0 },
  /** float32 elementwise results: both sides round the same double-precision math to float32. */
  float32: { rtol: 1e-5, atol: 1e-6 },
  /** float32 reductions and matmul: summation order differs between implementations. */
  accumulate: { rtol: 1e-4, atol: 1e-5 },
  /** float32 gradients: several rounded ops in sequence. */
  gradient: { rtol: 1e-4, atol: 1e-5 },
  /** References made by float32 central differences (where TF.js's own gradient is wrong). */
  finiteDifference: { rtol: 5e-2, atol: 5e-2 },
  /** Our float64 gradients against our float64 central differences. */
  float64Gradient: { rtol: 1e-5, atol: 1e-7 },
  /** Training-run losses after each step, float32, hundreds of steps. */
  trainingLoss: { rtol: 2e-3, atol: 1e-5 },
  /** Training-run final weights. */
  trainingWeights: { rtol: 1e-2, atol: 1e-3 },
  /**
   * Final weights after Adam. TF.js adds epsilon to the bias-corrected sqrt(v-hat), Keras (and
   * nabla) to the uncorrected sqrt(v): weights whose gradients are near epsilon (MNIST pixels
   * that are almost always 0) move differently, by up to the learning rate per step. Measured:
   * 6.4e-3 after 16 steps at lr 1e-3 on mnist-mlp-adam; the step losses still agree to 2e-3.
   */
  trainingWeightsAdam: { rtol: 1e-2, atol: 1e-2 },
  /** Two backends against each other (float32). */
  crossBackend: { rtol: 1e-5, atol: 1e-6 },
  /**
   * Two backends' gradients: a forward and a backward pass, each summing in its own order.
   * Measured: 1.6e-5 relative (matmul [17,33]x[33,9]) and 7.6e-6 absolute (prod of 65 values, ~40).
   */
  crossGradient: { rtol: 5e-5, atol: 5e-6 },
  /** Two backends' losses, step by step: rounding differences compound. Measured: 9.5e-6 relative (the CNN run). */
  crossTrainingLoss: { rtol: 1e-4, atol: 1e-6 },
  /** Two backends' final weights and moving statistics after the same steps (SGD, RMSprop). Measured: 2.3e-6 (the CNN run). */
  crossTrainingWeights: { rtol: 1e-4, atol: 1e-5 },
  /**
   * Final weights after Adam across two backends: where a gradient is near zero, Adam's step
   * m/(sqrt(v)+eps) turns last-bit differences into up to a learning rate per step. Measured:
   * 1.0e-4 (the transformer run, 24 steps at lr 0.01, cpu against onnx-wasm).
   */
  crossTrainingWeightsAdam: { rtol: 1e-3, atol: 5e-4 },
} satisfies Record<string, Tolerance>;

/** Integer and boolean results are compared exactly, whatever the op. */
export const isIntegerDtype = (dtype: string | undefined): boolean => dtype === 'int32' || dtype === 'bool';

export interface Comparison {
  pass: boolean;
  /** Largest |actual - expected| over elements (Infinity for a NaN/infinity mismatch). */
  maxError: number;
  /** Where the worst violation is, for the report. */
  detail?: string;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Comparison {
  if (actual.length !== expected.length) {
    return { pass: false, maxError: Number.POSITIVE_INFINITY, detail: `${actual.length} values, expected ${expected.length}` };
  }
  let maxError = 0;
  let worst: string | undefined;
  let pass = true;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e);
    const bad = !(err <= tol.atol + tol.rtol * Math.abs(e));
    if (err > maxError || Number.isNaN(err)) maxError = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
    if (bad && pass) {
      pass = false;
      worst = `at flat index ${i}: got ${a}, expected ${e}`;
    }
  }
  return { pass, maxError, detail: worst };
}
