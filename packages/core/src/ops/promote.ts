import { promote } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { cast } from './prims.js';

/** Casts tensors to the dtype they meet at (bool < int32 < float32 < float64). */
export function promoteCast(op: string, ...ts: Tensor[]): Tensor[] {
  const dt = ts.reduce((d, t) => promote(d, t.dtype), ts[0].dtype);
  return ts.map((t) => cast(t, dt, op));
}
