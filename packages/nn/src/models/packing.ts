import * as nb from '@nabla/core';
import { asTensor } from '../training/data.js';

/**
 * A model of several inputs or outputs trains through the same pipeline as a one-input model
 * (shuffled batches gathered inside the compiled step, validation splits, host-side batches on
 * onnxruntime, stepsPerExecution), because fit packs its data: each sample's inputs, flattened,
 * side by side in one row of one tensor, and likewise its targets. The compiled step slices the
 * batch's rows back into the inputs (and casts integer inputs back), which costs a few slices per
 * step; every feature of the pipeline then holds for every model without a second copy of it.
 */

/** One packed tensor's place in a row: its per-sample shape, dtype, and first column. */
export interface Slot {
  name: string;
  shape: number[];
  dtype: nb.DType;
  offset: number;
  size: number;
}

export interface Packing {
  slots: Slot[];
  /** The packed tensor's dtype: float64 when any part is, else float32. */
  dtype: nb.DType;
  /** Identifies the layout, for the compiled steps' cache. */
  key: string;
}

/** Integers are exact in float32 up to 2^24: packed integer inputs are checked against it. */
const EXACT32 = 2 ** 24;

export function packingOf(names: string[], tensors: nb.Tensor[]): Packing {
  let offset = 0;
  const slots = tensors.map((t, k) => {
    const shape = t.shape.slice(1);
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name: names[k], shape, dtype: t.dtype, offset, size };
    offset += size;
    return slot;
  });
  const dtype: nb.DType = tensors.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  return { slots, dtype, key: `${dtype}:${slots.map((s) => `${s.dtype}[${s.shape}]`).join(',')}` };
}

/** The tensors side by side, one row per sample (lazy: nothing runs yet). */
export function pack(p: Packing, tensors: nb.Tensor[]): nb.Tensor {
  return nb.concat(
    tensors.map((t) => nb.reshape(nb.cast(t, p.dtype), [t.shape[0], -1])),
    1,
  );
}

/** Throws for an integer value a float32 row cannot hold exactly (read once, before training). */
export async function checkExact(op: string, p: Packing, tensors: nb.Tensor[]): Promise<void> {
  if (p.dtype === 'float64') return;
  for (const [k, t] of tensors.entries()) {
    if (t.dtype !== 'int32') continue;
    const values = await t.data();
    for (let i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) > EXACT32) {
        throw new nb.NablaError(
          `${op}: ${p.slots[k].name} holds ${values[i]}; integer inputs of a model of several inputs or outputs must lie within ±2^24`,
        );
      }
    }
  }
}

/** A batch of packed rows back into its tensors, [batch, ...shape] each, in their dtypes. */
export function unpack(p: Packing, rows: nb.Tensor): nb.Tensor[] {
  const batch = rows.shape[0];
  return p.slots.map((s) => {
    const part = nb.reshape(nb.slice(rows, [0, s.offset], [batch, s.size]), [batch, ...s.shape]);
    return s.dtype === p.dtype ? part : nb.cast(part, s.dtype);
  });
}

/**
 * The data of a model's inputs (or targets) as given: one tensor, a list in the model's order,
 * or an object by name (Keras's dict inputs). Returns the tensors in the model's order.
 */
export function dataList(method: string, what: string, given: unknown, names: string[]): nb.Tensor[] {
  const byName = isRecordOfData(given) && (names.length > 1 || Object.keys(given as object).every((k) => names.includes(k)));
  if (names.length === 1 && !(Array.isArray(given) && given.length === 1 && given[0] instanceof nb.Tensor) && !byName) {
    return [asTensor(method, what, given as nb.TensorLike)];
  }
  if (Array.isArray(given) && (given.length === 0 || given.every((t) => t instanceof nb.Tensor))) {
    if (given.length !== names.length) {
      throw new nb.NablaError(`${method}: ${what} must hold ${names.length} tensors (${names.join(', ')}), got ${given.length}`);
    }
    return given as nb.Tensor[];
  }
  if (isRecordOfData(given)) {
    const record = given as Record<string, nb.TensorLike>;
    const unknown = Object.keys(record).filter((k) => !names.includes(k));
    if (unknown.length > 0)
      throw new nb.NablaError(`${method}: ${what} has no ${unknown.map((k) => `'${k}'`).join(', ')}; the model's are ${names.join(', ')}`);
    return names.map((n) => {
      if (!(n in record)) throw new nb.NablaError(`${method}: ${what} lacks '${n}' (the model's are ${names.join(', ')})`);
      return asTensor(method, `${what}.${n}`, record[n]);
    });
  }
  throw new nb.NablaError(
    `${method}: the model has ${names.length} ${what === 'x' ? 'inputs' : 'outputs'} (${names.join(', ')}); give ${what} as a list of ${names.length} tensors or an object by name, got ${nb.describe(given)}`,
  );
}

function isRecordOfData(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof nb.Tensor) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}

/** How a run's x and y are laid out: packed (several inputs or outputs) or as given (null). */
export interface Layout {
  x: Packing | null;
  y: Packing | null;
  /** Identifies the layout: compiled steps are cached per layout. */
  key: string;
}

/** One input, one output: x and y as given, nothing packed. */
export const PLAIN: Layout = { x: null, y: null, key: 'plain' };
