import { DTYPES, type DType, INT32_MAX, INT32_MIN, isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import { NablaError } from '../errors.js';
import { constant, type ShapeLike } from '../ops/creation.js';
import { abs, add, clip, cos, lessEqual, log, mul, sqrt, sub, where } from '../ops/elementwise.js';
import { concat, reshape } from '../ops/movement.js';
import * as p from '../ops/prims.js';
import { checkArg, checkArity, checkOptions, describe, is } from '../options.js';
import { checkShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Seeded random tensors. The `random` primitive gives bit-identical uniforms on every backend;
 * normals are built from them here, so they agree to float rounding.
 *
 * With `seed`, a call is reproducible on its own. Without, draws come from a global stream:
 * `setSeed(n)` restarts it, and each call takes the next counter block.
 */
let globalKey: [number, number] = [0x2545f491, 0x9e3779b9];
let globalCounter = 0;

/** Restarts the global stream that draws without a `seed` take. */
export function setSeed(seed: number, ...extra: never[]): void {
  checkArity('setSeed', [seed, ...extra], 1);
  checkArg('setSeed', 'seed', seed, is.integer, false);
  globalKey = seedToKey('setSeed', seed);
  globalCounter = 0;
}

function seedToKey(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new NablaError(`${op}: seed must be an integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return [lo, hi];
}

/**
 * A seed is a number, or an int32 scalar tensor: a compiled function (nb.jit) takes it as an
 * input, so each run can draw fresh values without recompiling.
 */
export type Seed = number | Tensor;

function uniform01(op: string, shape: number[], seed: Seed | undefined): Tensor {
  if (seed instanceof Tensor) {
    if (seed.dtype !== 'int32' || seed.size !== 1) {
      throw new NablaError(`${op}: a seed tensor must be an int32 scalar, got ${seed.dtype} [${seed.shape.join(',')}]`);
    }
    return p.random(shape, concat([reshape(seed, [1]), constant(new Int32Array(3))]), op);
  }
  return p.random(shape, constant(randomCounter(op, seed)), op);
}

/**
 * The `random` primitive's counter operand (key, then offset) for a draw with this seed, or for
 * the next draw of the global stream (which it takes, as a draw does). With philoxUniform it lets
 * host code draw synchronously the numbers a draw on any backend gives: nn's Orthogonal
 * initializer, whose QR runs on the host, on backends that cannot be read synchronously.
 */
export function randomCounter(op: string, seed?: number, ...extra: never[]): Int32Array {
  checkArity('randomCounter', [op, seed, ...extra], 2);
  if (seed !== undefined) return Int32Array.from([...seedToKey(op, seed), 0, 0]);
  const counter = Int32Array.from([globalKey[0], globalKey[1], globalCounter, Math.floor(globalCounter / 2 ** 32)]);
  globalCounter++;
  return counter;
}

/** A draw's dtype (already checked to be a dtype): float32 or float64, and int32 where the distribution allows it. */
function drawDType(op: string, dt: DType, allowInt: boolean): DType {
  if (isFloat(dt) || (allowInt && dt === 'int32')) return dt;
  throw new NablaError(
    `${op}: dtype must be float32${allowInt ? ', float64 or int32' : ' or float64'}, got ${dt}` +
      (dt === 'int32' ? ' (draw floats, then round or cast them for integers)' : ''),
  );
}

const seedCheck = is.either(is.integer, is.instance(Tensor, 'an int32 scalar tensor'));
const dtypeCheck = is.oneOf(...DTYPES);

/**
 * Reads the two forms every random op takes: TensorFlow.js's positional one (`randomUniform(shape,
 * minval, maxval, dtype, seed)`) and the options object (`randomUniform(shape, { minval, seed })`).
 * Both are checked: an unknown option, a wrong type or both forms at once is an error.
 */
function drawArgs<T extends { dtype?: DType; seed?: Seed }>(
  op: string,
  keys: readonly [string, string],
  positional: readonly [string, string],
  second: unknown,
  rest: readonly unknown[],
): T {
  if (typeof second === 'object' && second !== null && !(second instanceof Tensor)) {
    const given = rest.findIndex((v) => v !== undefined);
    if (given >= 0) {
      throw new NablaError(
        `${op}: takes an options object or positional (${positional.join(', ')}, dtype, seed) arguments, not both; ` +
          `got an options object and then ${describe(rest[given])}`,
      );
    }
    return checkOptions(op, second as T, { [keys[0]]: is.finite, [keys[1]]: is.finite, dtype: dtypeCheck, seed: seedCheck });
  }
  const [b, dtype, seed] = rest;
  checkArg(op, positional[0], second, is.finite);
  checkArg(op, positional[1], b, is.finite);
  checkArg(op, 'dtype', dtype, dtypeCheck);
  checkArg(op, 'seed', seed, seedCheck);
  return { [keys[0]]: second, [keys[1]]: b, dtype, seed } as unknown as T;
}

/** The largest int32 range a float32 uniform covers evenly: it has 24 random bits. */
const MAX_INT_RANGE = 2 ** 24;

export interface RandomUniformOptions {
  minval?: number;
  maxval?: number;
  dtype?: DType;
  seed?: Seed;
}

/** The signatures of randomUniform: TensorFlow.js's positional form, or an options object. */
export interface RandomUniform {
  (shape: ShapeLike, options?: RandomUniformOptions): Tensor;
  (shape: ShapeLike, minval?: number, maxval?: number, dtype?: DType, seed?: Seed): Tensor;
}

/**
 * Uniform in [minval, maxval) (default [0, 1)): `randomUniform([n], -1, 1)` as in TensorFlow.js,
 * or `randomUniform([n], { minval: -1, maxval: 1, seed: 3 })`. int32 draws each integer of
 * [minval, maxval) equally often; the bounds must then be integers at most 2^24 apart.
 * (TensorFlow.js truncates a float draw toward zero, so with a negative minval it never draws
 * minval and draws 0 twice as often; nabla floors.)
 */
export const randomUniform: RandomUniform = op(
  'randomUniform',
  function randomUniform(
    shape: ShapeLike,
    second?: number | RandomUniformOptions,
    ...rest: [maxval?: number, dtype?: DType, seed?: Seed]
  ): Tensor {
    const op = 'randomUniform';
    const s = checkShape(op, shape, true);
    const opts = drawArgs<RandomUniformOptions>(op, ['minval', 'maxval'], ['minval', 'maxval'], second, rest);
    const { minval = 0, maxval = 1 } = opts;
    const dtype = drawDType(op, opts.dtype ?? 'float32', true);
    if (!(maxval > minval)) throw new NablaError(`${op}: maxval (${maxval}) must be greater than minval (${minval})`);
    if (dtype === 'int32') {
      if (!Number.isInteger(minval) || !Number.isInteger(maxval) || minval < INT32_MIN || maxval > INT32_MAX + 1) {
        throw new NablaError(`${op}: an int32 draw takes int32 bounds, got minval ${minval} and maxval ${maxval}`);
      }
      if (maxval - minval > MAX_INT_RANGE) {
        throw new NablaError(
          `${op}: an int32 draw spans at most 2^24 (${MAX_INT_RANGE}) values, got [${minval}, ${maxval}); ` +
            'draw from sub-ranges and combine them',
        );
      }
      // floor(u * range) is an exact integer in [0, range) for range <= 2^24; the offset is added in int32.
      const u = uniform01(op, s, opts.seed);
      const k = p.cast(p.unary('floor', mul(u, maxval - minval), op), 'int32', op);
      return add(k, constant(minval, 'int32', op));
    }
    return add(mul(p.cast(uniform01(op, s, opts.seed), dtype, op), maxval - minval), minval);
  },
  5,
);

export interface RandomNormalOptions {
  mean?: number;
  stddev?: number;
  dtype?: DType;
  seed?: Seed;
}

/** The signatures of randomNormal and truncatedNormal: TensorFlow.js's positional form, or an options object. */
export interface RandomNormal {
  (shape: ShapeLike, options?: RandomNormalOptions): Tensor;
  (shape: ShapeLike, mean?: number, stdDev?: number, dtype?: DType, seed?: Seed): Tensor;
}

/** randomNormal's and truncatedNormal's arguments, in either form, checked and with their defaults. */
function normalArgs(op: string, shape: ShapeLike, second: unknown, rest: readonly unknown[]) {
  const s = checkShape(op, shape, true);
  const opts = drawArgs<RandomNormalOptions>(op, ['mean', 'stddev'], ['mean', 'stdDev'], second, rest);
  const dtype = drawDType(op, opts.dtype ?? 'float32', false);
  return { shape: s, mean: opts.mean ?? 0, stddev: opts.stddev ?? 1, dtype, seed: opts.seed };
}

/** Standard normals by Box-Muller from two uniforms: sqrt(-2 ln(1-u1)) cos(2 pi u2). */
function standardNormal(op: string, shape: number[], dtype: DType, seed: Seed | undefined, draws = 1): Tensor[] {
  const u = p.cast(uniform01(op, [draws, 2, ...shape], seed), dtype, op);
  const out: Tensor[] = [];
  for (let d = 0; d < draws; d++) {
    const pick = (j: number) => p.reshape(p.slice(u, [d, j, ...shape.map(() => 0)], [1, 1, ...shape], op), shape, op);
    const radius = sqrt(mul(log(sub(1, pick(0))), -2));
    out.push(mul(radius, cos(mul(pick(1), 2 * Math.PI))));
  }
  return out;
}

/** Normal with mean and standard deviation (default 0 and 1): `randomNormal([n], 5, 2)` or `randomNormal([n], { mean: 5, stddev: 2 })`. */
export const randomNormal: RandomNormal = op(
  'randomNormal',
  function randomNormal(
    shape: ShapeLike,
    second?: number | RandomNormalOptions,
    ...rest: [stdDev?: number, dtype?: DType, seed?: Seed]
  ): Tensor {
    const a = normalArgs('randomNormal', shape, second, rest);
    return add(mul(standardNormal('randomNormal', a.shape, a.dtype, a.seed)[0], a.stddev), a.mean);
  },
  5,
);

/**
 * Normals redrawn until within two standard deviations, as TensorFlow.js does; the same two
 * forms as randomNormal. Deterministic: eight candidates per element, the first inside wins
 * (all eight outside has probability 1e-11; then the last is clamped).
 */
export const truncatedNormal: RandomNormal = op(
  'truncatedNormal',
  function truncatedNormal(
    shape: ShapeLike,
    second?: number | RandomNormalOptions,
    ...rest: [stdDev?: number, dtype?: DType, seed?: Seed]
  ): Tensor {
    const a = normalArgs('truncatedNormal', shape, second, rest);
    const candidates = standardNormal('truncatedNormal', a.shape, a.dtype, a.seed, 8);
    let z = clip(candidates[7], -2, 2);
    for (let i = 6; i >= 0; i--) z = where(lessEqual(abs(candidates[i]), 2), candidates[i], z);
    return add(mul(z, a.stddev), a.mean);
  },
  5,
);
