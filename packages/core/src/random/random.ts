import { type DType, isFloat } from '../dtype.js';
import { op } from '../engine/op.js';
import { NablaError } from '../errors.js';
import { constant } from '../ops/creation.js';
import { abs, add, clip, cos, lessEqual, log, mul, sqrt, sub, where } from '../ops/elementwise.js';
import { concat, reshape } from '../ops/movement.js';
import * as p from '../ops/prims.js';
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

export function setSeed(seed: number): void {
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
  if (seed !== undefined) return p.random(shape, constant(Int32Array.from([...seedToKey(op, seed), 0, 0])), op);
  const counter = Int32Array.from([globalKey[0], globalKey[1], globalCounter, Math.floor(globalCounter / 2 ** 32)]);
  globalCounter++;
  return p.random(shape, constant(counter), op);
}

function checkFloat(op: string, dtype: DType): void {
  if (!isFloat(dtype)) throw new NablaError(`${op}: dtype must be float32 or float64, got ${dtype}`);
}

export interface RandomUniformOptions {
  minval?: number;
  maxval?: number;
  dtype?: DType;
  seed?: Seed;
}

/** Uniform in [minval, maxval); int32 draws integers in [minval, maxval). */
export const randomUniform = op(function randomUniform(shape: readonly number[], opts: RandomUniformOptions = {}): Tensor {
  const op = 'randomUniform';
  const s = checkShape(op, [...shape]);
  const { minval = 0, maxval = 1, dtype = 'float32' } = opts;
  if (!(maxval > minval)) throw new NablaError(`${op}: maxval (${maxval}) must be greater than minval (${minval})`);
  const u = uniform01(op, s, opts.seed);
  if (dtype === 'int32') return p.cast(p.unary('floor', add(mul(u, maxval - minval), minval), op), 'int32', op);
  checkFloat(op, dtype);
  return add(mul(p.cast(u, dtype, op), maxval - minval), minval);
});

export interface RandomNormalOptions {
  mean?: number;
  stddev?: number;
  dtype?: DType;
  seed?: Seed;
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

export const randomNormal = op(function randomNormal(shape: readonly number[], opts: RandomNormalOptions = {}): Tensor {
  const op = 'randomNormal';
  const s = checkShape(op, [...shape]);
  const { mean = 0, stddev = 1, dtype = 'float32' } = opts;
  checkFloat(op, dtype);
  return add(mul(standardNormal(op, s, dtype, opts.seed)[0], stddev), mean);
});

/**
 * Normals redrawn until within two standard deviations, as TensorFlow.js does. Deterministic:
 * eight candidates per element, the first inside wins (all eight outside has probability 1e-11;
 * then the last is clamped).
 */
export const truncatedNormal = op(function truncatedNormal(shape: readonly number[], opts: RandomNormalOptions = {}): Tensor {
  const op = 'truncatedNormal';
  const s = checkShape(op, [...shape]);
  const { mean = 0, stddev = 1, dtype = 'float32' } = opts;
  checkFloat(op, dtype);
  const candidates = standardNormal(op, s, dtype, opts.seed, 8);
  let z = clip(candidates[7], -2, 2);
  for (let i = 6; i >= 0; i--) z = where(lessEqual(abs(candidates[i]), 2), candidates[i], z);
  return add(mul(z, stddev), mean);
});
