import { promote } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { cast } from './prims.js';

/**
 * Casts tensors to the dtype they meet at (bool < int32 < float32 < float64); with `arithmetic`,
 * bools meet at int32, since true + true is 2.
 */
export function promoteCast(op: string, ts: Tensor[], arithmetic = false): Tensor[] {
  let dt = ts.reduce((d, t) => promote(d, t.dtype), ts[0].dtype);
  if (arithmetic && dt === 'bool') dt = 'int32';
  return ts.map((t) => cast(t, dt, op));
}
