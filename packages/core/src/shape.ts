import { fmtShape, NablaError } from './errors.js';
import { describe, is } from './options.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks a shape argument and returns a copy: an array of non-negative integers whose product
 * (the element count) is a safe integer. With `allowScalar`, a bare non-negative integer `n`
 * means the 1-D shape `[n]`, as in NumPy's `np.ones(3)`. Errors name the op and the value.
 */
export function checkShape(op: string, shape: unknown, allowScalar = false): number[] {
  if (allowScalar && typeof shape === 'number' && Number.isInteger(shape) && shape >= 0) return checkShape(op, [shape]);
  if (!Array.isArray(shape)) {
    const expected = `an array of non-negative integers${allowScalar ? ' (or one non-negative integer, for a 1-D shape)' : ''}`;
    throw new NablaError(`${op}: shape must be ${expected}, got ${describe(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      const dims = shape.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(',');
      throw new NablaError(`${op}: dimensions must be non-negative integers, got [${dims}]`);
    }
  }
  const size = sizeOf(shape);
  if (!Number.isSafeInteger(size)) {
    throw new NablaError(`${op}: shape ${fmtShape(shape)} has ${size} elements, more than any tensor can hold (2^53-1)`);
  }
  return [...shape];
}

/** Row-major strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** numpy broadcasting: align right; each pair of dims must match or one must be 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new NablaError(`${op}: shapes cannot be broadcast together: ${shapes.map(fmtShape).join(' and ')}`);
      }
    }
  }
  return out;
}

/** What an axis argument may be: one axis, or a list of them. */
export type Axis = number | readonly number[];

function axisTypeError(op: string, axis: unknown, what: string): NablaError {
  return new NablaError(`${op}: axis must be ${what}, got ${describe(axis)}`);
}

/**
 * Normalizes a possibly negative axis against a rank, or throws naming the op. A value that is
 * not an integer (the string '1', 1.5, a list where one axis is expected) is a type error, not
 * an out-of-range one.
 */
export function normalizeAxis(op: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw axisTypeError(op, axis, 'an integer');
  if (axis < -rank || axis >= rank) {
    throw new NablaError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes for a reduction: undefined or null means all; duplicates are an error. */
export function normalizeAxes(op: string, axis: unknown, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const expected = is.axis(axis);
  if (expected !== undefined) throw axisTypeError(op, axis, expected);
  const list = typeof axis === 'number' ? [axis] : [...(axis as number[])];
  const out = list.map((a) => {
    if (a < -rank || a >= rank) {
      throw new NablaError(`${op}: axis ${a} is out of range for a tensor of rank ${rank}`);
    }
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new NablaError(`${op}: axis [${list.join(',')}] repeats an axis`);
  return out.sort((x, y) => x - y);
}
