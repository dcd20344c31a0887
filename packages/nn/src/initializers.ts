import type { DType, Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { type ConfigEntry, checkConfig, fromIdentifier, nameKey, nameLookup, numberOrOptions } from './options.js';

/**
 * Weight initializers with Keras semantics (fans, variance scaling, truncation, orthogonal QR).
 * Every random draw goes through core's counter-based RNG: with a `seed` an initializer gives the
 * same values on every call and every backend; without one it takes the next block of the global
 * stream, so two layers built one after the other start from different weights.
 */
export interface Initializer {
  readonly className: string;
  apply(shape: number[], dtype?: DType): Tensor;
  getConfig(): Record<string, unknown>;
}

/** An initializer as JSON: what `serializeInitializer` writes and `getInitializer` reads. */
export interface SerializedInitializer {
  className: string;
  config: Record<string, unknown>;
}

/**
 * [fanIn, fanOut] as Keras `_compute_fans`: a dense kernel is [in, out]; a conv kernel is
 * [...spatial, in, out] and each side is multiplied by the receptive field (the spatial size).
 */
export function computeFans(shape: readonly number[], ...extra: unknown[]): [fanIn: number, fanOut: number] {
  nb.checkArity('computeFans', [shape, ...extra], 1);
  nb.checkArg('computeFans', 'shape', shape, nb.is.integers, false);
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i];
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function checkFloat(op: string, dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new nb.NablaError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  }
}

function checkSeed(op: string, seed: number | undefined): void {
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new nb.NablaError(`${op}: seed must be an integer, got ${seed}`);
}

function checkFinite(op: string, key: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new nb.NablaError(`${op}: ${key} must be a finite number, got ${String(value)}`);
}

/** The seed as configs carry it: absent when the initializer draws from the global stream. */
function seedConfig(seed: number | undefined): Record<string, unknown> {
  return seed === undefined ? {} : { seed };
}

export class Zeros implements Initializer {
  readonly className: string = 'Zeros';
  constructor(...extra: unknown[]) {
    nb.checkArity('zeros', extra, 0);
  }
  apply(shape: number[], dtype: DType = 'float32', ...extra: unknown[]): Tensor {
    nb.checkArity('zeros.apply', [shape, dtype, ...extra], 2);
    return nb.zeros(shape, dtype);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export class Ones implements Initializer {
  readonly className: string = 'Ones';
  constructor(...extra: unknown[]) {
    nb.checkArity('ones', extra, 0);
  }
  apply(shape: number[], dtype: DType = 'float32', ...extra: unknown[]): Tensor {
    nb.checkArity('ones.apply', [shape, dtype, ...extra], 2);
    return nb.ones(shape, dtype);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface ConstantOptions {
  value?: number;
}

export class Constant implements Initializer {
  readonly className: string = 'Constant';
  readonly value: number;
  /** `constant({ value: 0.5 })`, or Keras's `Constant(0.5)`. */
  constructor(opts: ConstantOptions | number = {}, ...extra: unknown[]) {
    const o = checkConfig('constant', numberOrOptions<ConstantOptions>('constant', [opts, ...extra], 'value'), { value: nb.is.any });
    this.value = o.value ?? 0;
    checkFinite('constant', 'value', this.value);
  }
  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    return nb.fill(shape, this.value, dtype);
  }
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

export interface RandomUniformInitOptions {
  minval?: number;
  maxval?: number;
  seed?: number;
}

export class RandomUniform implements Initializer {
  readonly className: string = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;
  constructor(opts: RandomUniformInitOptions = {}, ...extra: unknown[]) {
    nb.checkArity('randomUniform', [opts, ...extra], 1);
    checkConfig('randomUniform', opts, { minval: nb.is.any, maxval: nb.is.any, seed: nb.is.any });
    this.minval = opts.minval ?? -0.05;
    this.maxval = opts.maxval ?? 0.05;
    this.seed = opts.seed;
    checkFinite('randomUniform', 'minval', this.minval);
    checkFinite('randomUniform', 'maxval', this.maxval);
    if (!(this.maxval > this.minval)) {
      throw new nb.NablaError(`randomUniform: maxval (${this.maxval}) must be greater than minval (${this.minval})`);
    }
    checkSeed('randomUniform', this.seed);
  }
  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    checkFloat('randomUniform', dtype);
    return nb.randomUniform(shape, { minval: this.minval, maxval: this.maxval, dtype, seed: this.seed });
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, ...seedConfig(this.seed) };
  }
}

export interface RandomNormalInitOptions {
  mean?: number;
  stddev?: number;
  seed?: number;
}

abstract class NormalBase implements Initializer {
  abstract readonly className: string;
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  constructor(
    protected readonly opName: string,
    opts: RandomNormalInitOptions,
  ) {
    checkConfig(opName, opts, { mean: nb.is.any, stddev: nb.is.any, seed: nb.is.any });
    this.mean = opts.mean ?? 0;
    this.stddev = opts.stddev ?? 0.05;
    this.seed = opts.seed;
    checkFinite(opName, 'mean', this.mean);
    checkFinite(opName, 'stddev', this.stddev);
    if (this.stddev < 0) throw new nb.NablaError(`${opName}: stddev must be non-negative, got ${this.stddev}`);
    checkSeed(opName, this.seed);
  }
  abstract apply(shape: number[], dtype?: DType): Tensor;
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, ...seedConfig(this.seed) };
  }
}

export class RandomNormal extends NormalBase {
  readonly className: string = 'RandomNormal';
  constructor(opts: RandomNormalInitOptions = {}, ...extra: unknown[]) {
    nb.checkArity('randomNormal', [opts, ...extra], 1);
    super('randomNormal', opts);
  }
  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    checkFloat(this.opName, dtype);
    return nb.randomNormal(shape, { mean: this.mean, stddev: this.stddev, dtype, seed: this.seed });
  }
}

/** Normal redrawn outside two standard deviations (of `stddev`, as Keras and TensorFlow.js do). */
export class TruncatedNormal extends NormalBase {
  readonly className: string = 'TruncatedNormal';
  constructor(opts: RandomNormalInitOptions = {}, ...extra: unknown[]) {
    nb.checkArity('truncatedNormal', [opts, ...extra], 1);
    super('truncatedNormal', opts);
  }
  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    checkFloat(this.opName, dtype);
    return nb.truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, dtype, seed: this.seed });
  }
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'normal';

export interface VarianceScalingOptions {
  scale?: number;
  mode?: FanMode;
  /** 'normal' is Keras's legacy name for 'truncatedNormal' and is stored as that. */
  distribution?: Distribution;
  seed?: number;
}

/** Standard deviation of a unit normal truncated to [-2, 2]; Keras divides by it so that the
 * truncated draw has the variance asked for. */
const TRUNCATED_STD = 0.87962566103423978;

const MODES: Record<string, FanMode> = { fanin: 'fanIn', fanout: 'fanOut', fanavg: 'fanAvg' };
const DISTRIBUTIONS: Record<string, Exclude<Distribution, 'normal'>> = {
  truncatednormal: 'truncatedNormal',
  normal: 'truncatedNormal',
  untruncatednormal: 'untruncatedNormal',
  uniform: 'uniform',
};

/**
 * Draws with variance scale / n, where n is fanIn, fanOut or their mean (at least 1, as Keras):
 * a normal truncated at two standard deviations and rescaled, a plain normal, or a uniform in
 * [-sqrt(3 scale / n), sqrt(3 scale / n)].
 */
export class VarianceScaling implements Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Exclude<Distribution, 'normal'>;
  readonly seed: number | undefined;
  constructor(
    opts: VarianceScalingOptions = {},
    protected readonly opName = 'varianceScaling',
    ...extra: unknown[]
  ) {
    nb.checkArity(opName, [opts, opName, ...extra], 2);
    checkConfig(opName, opts, { scale: nb.is.any, mode: nb.is.any, distribution: nb.is.any, seed: nb.is.any });
    this.scale = opts.scale ?? 1;
    checkFinite(opName, 'scale', this.scale);
    if (!(this.scale > 0)) throw new nb.NablaError(`${opName}: scale must be positive, got ${this.scale}`);
    // Configs written by Keras spell these in snake_case ('fan_avg', 'truncated_normal').
    const mode = MODES[nameKey(String(opts.mode ?? 'fanIn'))];
    if (!mode) throw new nb.NablaError(`${opName}: mode must be one of fanIn, fanOut, fanAvg, got '${String(opts.mode)}'`);
    const dist = DISTRIBUTIONS[nameKey(String(opts.distribution ?? 'truncatedNormal'))];
    if (!dist) {
      throw new nb.NablaError(
        `${opName}: distribution must be one of truncatedNormal, untruncatedNormal, uniform, normal, got '${String(opts.distribution)}'`,
      );
    }
    this.mode = mode;
    this.distribution = dist;
    this.seed = opts.seed;
    checkSeed(opName, this.seed);
  }

  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    checkFloat(this.opName, dtype);
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    const seed = this.seed;
    if (this.distribution === 'truncatedNormal') {
      return nb.truncatedNormal(shape, { stddev: Math.sqrt(variance) / TRUNCATED_STD, dtype, seed });
    }
    if (this.distribution === 'untruncatedNormal') return nb.randomNormal(shape, { stddev: Math.sqrt(variance), dtype, seed });
    const limit = Math.sqrt(3 * variance);
    return nb.randomUniform(shape, { minval: -limit, maxval: limit, dtype, seed });
  }

  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, ...seedConfig(this.seed) };
  }
}

export interface SeedOptions {
  seed?: number;
}

const SEED_ONLY: nb.OptionSchema = { seed: nb.is.any };

/** The named special cases fix scale, mode and distribution; their config is the seed alone. */
abstract class FixedVarianceScaling extends VarianceScaling {
  override getConfig(): Record<string, unknown> {
    return seedConfig(this.seed);
  }
}

/** Uniform in [-limit, limit], limit = sqrt(6 / (fanIn + fanOut)). */
export class GlorotUniform extends FixedVarianceScaling {
  override readonly className: string = 'GlorotUniform';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('glorotUniform', [opts, ...extra], 1);
    super({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: checkConfig('glorotUniform', opts, SEED_ONLY).seed }, 'glorotUniform');
  }
}

/** Truncated normal with standard deviation sqrt(2 / (fanIn + fanOut)) after truncation. */
export class GlorotNormal extends FixedVarianceScaling {
  override readonly className: string = 'GlorotNormal';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('glorotNormal', [opts, ...extra], 1);
    super(
      { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: checkConfig('glorotNormal', opts, SEED_ONLY).seed },
      'glorotNormal',
    );
  }
}

/** Uniform in [-limit, limit], limit = sqrt(6 / fanIn). */
export class HeUniform extends FixedVarianceScaling {
  override readonly className: string = 'HeUniform';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('heUniform', [opts, ...extra], 1);
    super({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: checkConfig('heUniform', opts, SEED_ONLY).seed }, 'heUniform');
  }
}

/** Truncated normal with standard deviation sqrt(2 / fanIn) after truncation. */
export class HeNormal extends FixedVarianceScaling {
  override readonly className: string = 'HeNormal';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('heNormal', [opts, ...extra], 1);
    super({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: checkConfig('heNormal', opts, SEED_ONLY).seed }, 'heNormal');
  }
}

/** Uniform in [-limit, limit], limit = sqrt(3 / fanIn). */
export class LeCunUniform extends FixedVarianceScaling {
  override readonly className: string = 'LeCunUniform';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('leCunUniform', [opts, ...extra], 1);
    super({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: checkConfig('leCunUniform', opts, SEED_ONLY).seed }, 'leCunUniform');
  }
}

/** Truncated normal with standard deviation sqrt(1 / fanIn) after truncation. */
export class LeCunNormal extends FixedVarianceScaling {
  override readonly className: string = 'LeCunNormal';
  constructor(opts: SeedOptions = {}, ...extra: unknown[]) {
    nb.checkArity('leCunNormal', [opts, ...extra], 1);
    super(
      { scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: checkConfig('leCunNormal', opts, SEED_ONLY).seed },
      'leCunNormal',
    );
  }
}

export interface OrthogonalOptions {
  gain?: number;
  seed?: number;
}

/**
 * Keras's Orthogonal: the shape is viewed as rows = product of all but the last dim, cols = the
 * last dim; a seeded normal matrix of max(rows, cols) x min(rows, cols) is factored A = QR and
 * Q, sign-corrected by diag(R) so it does not depend on the QR routine, is transposed when rows <
 * cols. Tall results have orthonormal columns (W^T W = gain^2 I), wide ones orthonormal rows.
 *
 * The QR runs on the host in float64 (Householder): initialization happens once per weight, and
 * core has no QR primitive. The normals are drawn on the host too (hostNormals), so that it works
 * on backends that cannot be read synchronously (onnx), with the same values on every backend.
 */
export class Orthogonal implements Initializer {
  readonly className: string = 'Orthogonal';
  readonly gain: number;
  readonly seed: number | undefined;
  constructor(opts: OrthogonalOptions = {}, ...extra: unknown[]) {
    nb.checkArity('orthogonal', [opts, ...extra], 1);
    checkConfig('orthogonal', opts, { gain: nb.is.any, seed: nb.is.any });
    this.gain = opts.gain ?? 1;
    this.seed = opts.seed;
    checkFinite('orthogonal', 'gain', this.gain);
    checkSeed('orthogonal', this.seed);
  }

  apply(shape: number[], dtype: DType = 'float32'): Tensor {
    const op = 'orthogonal';
    checkFloat(op, dtype);
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      throw new nb.NablaError(`${op}: dimensions must be non-negative integers, got [${String(shape)}]`);
    }
    if (shape.length < 2) throw new nb.NablaError(`${op}: shape must have rank 2 or more, got [${shape.join(',')}]`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    if (rows === 0 || cols === 0) return nb.zeros(shape, dtype);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const q = orthonormalQ(hostNormals(op, m * n, this.seed), m, n);
    const out = new Float64Array(m * n);
    if (rows >= cols) for (let i = 0; i < q.length; i++) out[i] = this.gain * q[i];
    else for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = this.gain * q[i * n + j];
    return nb.tensor(out, shape, dtype);
  }

  getConfig(): Record<string, unknown> {
    return { gain: this.gain, ...seedConfig(this.seed) };
  }
}

/**
 * `size` standard normals in float64, computed on the host exactly as nb.randomNormal([size],
 * { dtype: 'float64', seed }) computes them on the CPU backend: Philox uniforms (the `random`
 * primitive's), then Box-Muller sqrt(-2 ln(1 - u1)) cos(2 pi u2). Without a seed they take the
 * next draw of core's global stream, as randomNormal would.
 */
function hostNormals(op: string, size: number, seed: number | undefined): Float64Array {
  const counter = nb.randomCounter(op, seed);
  const u = nb.philoxUniform(2 * size, counter.subarray(0, 2), counter.subarray(2));
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.sqrt(Math.log(1 - u[i]) * -2) * Math.cos(u[size + i] * (2 * Math.PI));
  return out;
}

/**
 * The m x n (m >= n) factor Q of A = QR by Householder reflections, with each column multiplied
 * by sign(R_jj) as Keras does, which makes diag(R) positive and Q unique. `a` (row-major) is
 * overwritten with R.
 */
function orthonormalQ(a: Float64Array, m: number, n: number): Float64Array {
  const reflectors: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const v = new Float64Array(m - k);
    reflectors.push(v);
    if (norm === 0) continue; // a zero column: the identity reflection keeps Q orthogonal
    // alpha takes the sign opposite to the pivot so that v = x - alpha e1 does not cancel.
    const alpha = a[k * n + k] >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k];
    v[0] -= alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i] * v[i];
    vNorm = Math.sqrt(vNorm);
    for (let i = 0; i < v.length; i++) v[i] /= vNorm;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * a[i * n + j];
      for (let i = k; i < m; i++) a[i * n + j] -= 2 * dot * v[i - k];
    }
    rDiag[k] = a[k * n + k];
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity, right to left.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * dot * v[i - k];
    }
  }
  for (let j = 0; j < n; j++) if (rDiag[j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  return q;
}

// Factories, as TensorFlow.js's `tf.initializers.*`.
export const zeros = (...extra: unknown[]): Initializer => new Zeros(...extra);
export const ones = (...extra: unknown[]): Initializer => new Ones(...extra);
export const constant = (opts: ConstantOptions | number = {}, ...extra: unknown[]): Initializer => new Constant(opts, ...extra);
export const randomUniform = (opts: RandomUniformInitOptions = {}, ...extra: unknown[]): Initializer => new RandomUniform(opts, ...extra);
export const randomNormal = (opts: RandomNormalInitOptions = {}, ...extra: unknown[]): Initializer => new RandomNormal(opts, ...extra);
export const truncatedNormal = (opts: RandomNormalInitOptions = {}, ...extra: unknown[]): Initializer =>
  new TruncatedNormal(opts, ...extra);
export const varianceScaling = (opts: VarianceScalingOptions = {}, ...extra: unknown[]): Initializer => {
  nb.checkArity('varianceScaling', [opts, ...extra], 1);
  return new VarianceScaling(opts);
};
export const glorotUniform = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new GlorotUniform(opts, ...extra);
export const glorotNormal = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new GlorotNormal(opts, ...extra);
export const heUniform = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new HeUniform(opts, ...extra);
export const heNormal = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new HeNormal(opts, ...extra);
export const leCunUniform = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new LeCunUniform(opts, ...extra);
export const leCunNormal = (opts: SeedOptions = {}, ...extra: unknown[]): Initializer => new LeCunNormal(opts, ...extra);
export const orthogonal = (opts: OrthogonalOptions = {}, ...extra: unknown[]): Initializer => new Orthogonal(opts, ...extra);

interface Entry extends ConfigEntry<Initializer> {
  name: string;
}

const num = (c: Record<string, unknown>, k: string) => c[k] as number | undefined;
// Keras configs write an absent seed as null.
const seedOf = (c: Record<string, unknown>) => (c.seed === null ? undefined : (c.seed as number | undefined));

const ENTRIES: Entry[] = [
  { name: 'zeros', keys: [], make: () => new Zeros() },
  { name: 'ones', keys: [], make: () => new Ones() },
  { name: 'constant', keys: ['value'], make: (c) => new Constant({ value: num(c, 'value') }) },
  {
    name: 'randomUniform',
    keys: ['minval', 'maxval', 'seed'],
    make: (c) => new RandomUniform({ minval: num(c, 'minval'), maxval: num(c, 'maxval'), seed: seedOf(c) }),
  },
  {
    name: 'randomNormal',
    keys: ['mean', 'stddev', 'seed'],
    make: (c) => new RandomNormal({ mean: num(c, 'mean'), stddev: num(c, 'stddev'), seed: seedOf(c) }),
  },
  {
    name: 'truncatedNormal',
    keys: ['mean', 'stddev', 'seed'],
    make: (c) => new TruncatedNormal({ mean: num(c, 'mean'), stddev: num(c, 'stddev'), seed: seedOf(c) }),
  },
  {
    name: 'varianceScaling',
    keys: ['scale', 'mode', 'distribution', 'seed'],
    make: (c) =>
      new VarianceScaling({
        scale: num(c, 'scale'),
        mode: c.mode as FanMode | undefined,
        distribution: c.distribution as Distribution | undefined,
        seed: seedOf(c),
      }),
  },
  { name: 'glorotUniform', keys: ['seed'], make: (c) => new GlorotUniform({ seed: seedOf(c) }) },
  { name: 'glorotNormal', keys: ['seed'], make: (c) => new GlorotNormal({ seed: seedOf(c) }) },
  { name: 'heUniform', keys: ['seed'], make: (c) => new HeUniform({ seed: seedOf(c) }) },
  { name: 'heNormal', keys: ['seed'], make: (c) => new HeNormal({ seed: seedOf(c) }) },
  { name: 'leCunUniform', keys: ['seed'], make: (c) => new LeCunUniform({ seed: seedOf(c) }) },
  { name: 'leCunNormal', keys: ['seed'], make: (c) => new LeCunNormal({ seed: seedOf(c) }) },
  { name: 'orthogonal', keys: ['gain', 'seed'], make: (c) => new Orthogonal({ gain: num(c, 'gain'), seed: seedOf(c) }) },
];
// Names also match Keras class names ('GlorotUniform', 'LecunNormal') and snake_case (see nameKey).
const lookup = nameLookup('getInitializer', 'initializer', Object.fromEntries(ENTRIES.map((e) => [e.name, e])));

/**
 * An initializer from a name ('glorotUniform' or Keras's 'glorot_uniform'), an instance (returned
 * as is), or a `{ className, config }` object as `serializeInitializer` writes it.
 */
export function getInitializer(identifier: string | Initializer | SerializedInitializer, ...extra: unknown[]): Initializer {
  nb.checkArity('getInitializer', [identifier, ...extra], 1);
  return fromIdentifier('getInitializer', 'an Initializer', identifier, lookup);
}

export function serializeInitializer(initializer: Initializer, ...extra: unknown[]): SerializedInitializer {
  nb.checkArity('serializeInitializer', [initializer, ...extra], 1);
  return { className: initializer.className, config: initializer.getConfig() };
}
