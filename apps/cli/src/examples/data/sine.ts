import * as nb from '@nabla/core';

export interface SineOptions {
  /** Sequences. */
  samples: number;
  /** Time steps per sequence. */
  length: number;
  /** Standard deviation of the Gaussian noise on every observed value (default 0.05). */
  noise?: number;
  seed?: number;
}

export interface SineWaves {
  /** [samples, length, 1]: the noisy observations. */
  x: nb.Tensor;
  /** [samples, 1]: the clean next value, at t = length. */
  y: nb.Tensor;
  /**
   * The mean squared error of repeating each sequence's last observation: the loss a model must
   * beat to have learned anything about the waves.
   */
  persistenceMse: number;
}

/**
 * Noisy sine waves for next-value prediction (the LSTM and GRU examples). Sequence i is
 * a sin(w t + phi) + noise at t = 0..length-1, with amplitude a in [0.5, 1.5), w in [0.1, 0.5)
 * radians per step (periods of 13 to 63 steps) and phase phi in [0, 2 pi); y is the wave's value
 * at t = length without noise, so that a good model's loss is not bounded below by the noise.
 * Only the uniform draws come from nb.randomUniform (Philox, bit-exact on every backend); the rest
 * is computed on the host, so the data are the same whatever the backend.
 */
export async function sineWaves({ samples, length, noise = 0.05, seed = 1 }: SineOptions): Promise<SineWaves> {
  const draw = async (shape: number[], s: number) => {
    const t = nb.randomUniform(shape, { seed: s });
    const values = await t.data();
    t.dispose();
    return values;
  };
  const wave = await draw([samples, 3], seed);
  // Two uniforms per observation for Box-Muller; 1 - u keeps the log's argument above 0.
  const u = await draw([samples, length, 2], seed + 1);
  const x = new Float32Array(samples * length);
  const y = new Float32Array(samples);
  let persistence = 0;
  for (let i = 0; i < samples; i++) {
    const a = 0.5 + wave[3 * i];
    const w = 0.1 + 0.4 * wave[3 * i + 1];
    const phi = 2 * Math.PI * wave[3 * i + 2];
    for (let t = 0; t < length; t++) {
      const k = i * length + t;
      const gauss = Math.sqrt(-2 * Math.log(1 - u[2 * k])) * Math.cos(2 * Math.PI * u[2 * k + 1]);
      x[k] = a * Math.sin(w * t + phi) + noise * gauss;
    }
    y[i] = a * Math.sin(w * length + phi);
    persistence += (y[i] - x[(i + 1) * length - 1]) ** 2;
  }
  return { x: nb.tensor(x, [samples, length, 1]), y: nb.tensor(y, [samples, 1]), persistenceMse: persistence / samples };
}
