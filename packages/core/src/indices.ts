import { NablaError } from './errors.js';
import type { IndexCheck } from './primitives.js';

/**
 * The host side of the index rule (see IndexCheck in primitives.ts), shared by every backend:
 * the CPU kernels call it on every run, the ONNX backend on its error path, so the messages are
 * the same everywhere.
 */

/** The flat position of the first index outside its range, or -1 when all are in range. */
export function firstBadIndex(indices: ArrayLike<number>, n: number, block?: number): number {
  if (block === undefined) {
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < n)) return j;
    }
    return -1;
  }
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j] - j * block;
    if (!(i >= 0 && i < block && indices[j] < n)) return j;
  }
  return -1;
}

/** The coordinates of flat position j in a shape, row-major. */
function unravel(j: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    at[i] = shape[i] === 0 ? 0 : j % shape[i];
    j = shape[i] === 0 ? j : Math.floor(j / shape[i]);
  }
  return at;
}

/**
 * The error for the bad index at flat position j: `gather: index -1 at position [0] is out of
 * range for axis 0 of size 4`. `indicesShape` is the indices operand's shape, used when the
 * check names no shape of its own.
 */
export function indexError(check: IndexCheck, indices: ArrayLike<number>, j: number, indicesShape: readonly number[]): NablaError {
  const value = indices[j] - (check.block === undefined ? 0 : j * check.block);
  const position = unravel(j, check.shape ?? indicesShape);
  return new NablaError(`${check.op}: ${check.what} ${value} at position [${position.join(',')}] is out of range for ${check.range}`);
}

/** Throws the index error for the first bad index, if any: what a backend runs before it indexes. */
export function checkIndices(check: IndexCheck, indices: ArrayLike<number>, n: number, indicesShape: readonly number[]): void {
  const j = firstBadIndex(indices, n, check.block);
  if (j >= 0) throw indexError(check, indices, j, indicesShape);
}
