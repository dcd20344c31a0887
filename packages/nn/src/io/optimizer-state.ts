import * as nb from '@nabla/core';
import type { Compiled } from '../models/model.js';
import { groupSlots, type HostValues, type ParamSlots, slotsPerParam } from '../optimizers/slot-state.js';

/**
 * The optimizer's state in a saved model (format version 3): the step counter and, per trainable
 * weight, each slot (Adam's m and v, RMSprop's average, momentum...) in the weight's shape, stored
 * after the weights in the same weights file, so one CRC and one atomic model.json rename cover
 * both. Per weight, not per slot group: groups follow the backend's flat-slot limit (small
 * parameters share a flat slot), so a state saved on cpu is regrouped for onnx when it loads.
 */

export interface SlotEntry {
  /** The trainable weight's name, as in the weights manifest. */
  weight: string;
  /** The slot's name ('m', 'v', 'vhat', 'momentum', 'rms', 'accumulator', ...). */
  slot: string;
  shape: number[];
  dtype: nb.DType;
  /** Byte offset in the weights file, after the weights. */
  offset: number;
  byteLength: number;
}

export interface OptimizerStateJson {
  /** The optimizer whose slots these are: compile.optimizer.className. */
  className: string;
  /** Optimizer steps taken: Adam's bias correction and learning-rate schedules go on from it. */
  iterations: number;
  slots: SlotEntry[];
}

/** What saving the optimizer's state needs of a model. */
export interface StatefulModel {
  trainableWeights: { name: string; shape: readonly number[]; value: nb.Tensor }[];
  compiled: Pick<Compiled, 'optimizer' | 'slots' | 'iterations'> | null;
}

/**
 * The optimizer's state, per trainable weight and slot, with its bytes; null when there is none
 * to save (not compiled, or never trained: no slots yet). Entries' offsets start at `offset`.
 */
export async function encodeOptimizerState(
  model: StatefulModel,
  offset: number,
): Promise<{ json: OptimizerStateJson; chunks: Uint8Array[] } | null> {
  const c = model.compiled;
  if (!c?.slots) return null;
  const params = Object.fromEntries(model.trainableWeights.map((w) => [w.name, w.value]));
  const values = await slotsPerParam(c.optimizer, params, c.slots);
  const slots: SlotEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of model.trainableWeights) {
    for (const slot of c.optimizer.stateSlotNames()) {
      const data = values[w.name][slot];
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      slots.push({ weight: w.name, slot, shape: [...w.shape], dtype: w.value.dtype, offset, byteLength: bytes.length });
      chunks.push(bytes);
      offset += bytes.length;
    }
  }
  return { json: { className: c.optimizer.className, iterations: c.iterations, slots }, chunks };
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Checks model.json's optimizerState (the manifest's shape, not yet against a model): entries
 * follow each other from `offset`, each weight's slot once. Returns the offset after them.
 */
export function validateOptimizerState(fail: (what: string) => never, v: unknown, offset: number): number {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail('optimizerState is not an object');
  const s = v as Partial<OptimizerStateJson>;
  if (typeof s.className !== 'string') fail(`optimizerState has no optimizer className (${JSON.stringify(s.className)})`);
  if (!isCount(s.iterations) || !Number.isSafeInteger(s.iterations))
    fail(`optimizerState.iterations must be a count of steps, got ${JSON.stringify(s.iterations)}`);
  if (!Array.isArray(s.slots)) fail('optimizerState has no slots list');
  const seen = new Set<string>();
  for (const e of s.slots as SlotEntry[]) {
    if (
      e === null ||
      typeof e !== 'object' ||
      typeof e.weight !== 'string' ||
      typeof e.slot !== 'string' ||
      !Array.isArray(e.shape) ||
      !e.shape.every(isCount) ||
      (e.dtype !== 'float32' && e.dtype !== 'float64')
    )
      fail(`bad optimizer slot entry ${JSON.stringify(e)}`);
    const id = `${e.weight}:${e.slot}`;
    if (seen.has(id)) fail(`optimizer slot '${e.slot}' of weight ${e.weight} is listed twice`);
    seen.add(id);
    const bytes = e.shape.reduce((a, b) => a * b, 1) * nb.bytesPerElement(e.dtype);
    if (e.offset !== offset || e.byteLength !== bytes)
      fail(
        `optimizer slot '${e.slot}' of weight ${e.weight}: offset/byteLength ${e.offset}/${e.byteLength} do not match its place, shape [${e.shape}] and dtype ${e.dtype}`,
      );
    offset += bytes;
  }
  return offset;
}

/** Each entry's values, copied out of the (checked) weights file's bytes. */
export function decodeOptimizerState(state: OptimizerStateJson, bytes: Uint8Array): ParamSlots {
  const out: ParamSlots = {};
  for (const e of state.slots) {
    const copy = bytes.slice(e.offset, e.offset + e.byteLength).buffer;
    out[e.weight] ??= {};
    out[e.weight][e.slot] = (e.dtype === 'float64' ? new Float64Array(copy) : new Float32Array(copy)) as HostValues;
  }
  return out;
}

/** Names a list for a message, at most 8 of them. */
function list(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}

/**
 * Gives a freshly compiled model the saved state: its slots, regrouped for the backend its
 * weights live on, and its step counter. Any difference between the state and the model (another
 * optimizer class or slots, a weight missing or extra, a shape or dtype) is an error naming it,
 * and nothing is restored: a half-restored optimizer would train on silently differently.
 */
export function restoreOptimizerState(op: string, model: StatefulModel, state: OptimizerStateJson, values: ParamSlots): void {
  const c = model.compiled;
  // Typed as never-returning in its declaration, so that TypeScript narrows after a call.
  const fail: (what: string) => never = (what) => {
    throw new nb.NablaError(`${op}: the saved optimizer state does not match the model: ${what}`);
  };
  if (!c) fail('the model is not compiled');
  if (state.className !== c.optimizer.className) fail(`it is ${state.className}'s, and the model compiles ${c.optimizer.className}`);
  const weights = model.trainableWeights;
  const expected = c.optimizer.stateSlotNames();
  const known = new Set(weights.map((w) => w.name));
  // An optimizer without slots (plain SGD) saves its step counter alone.
  const missing = expected.length === 0 ? [] : weights.filter((w) => !(w.name in values)).map((w) => w.name);
  const extra = Object.keys(values).filter((n) => !known.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`trainable weights without saved slots: ${list(missing)}`);
    if (extra.length > 0) parts.push(`slots saved for weights that are not trainable weights of the model: ${list(extra)}`);
    fail(parts.join('; '));
  }
  const entries = new Map(state.slots.map((e) => [`${e.weight}:${e.slot}`, e]));
  for (const w of weights) {
    const saved = Object.keys(values[w.name] ?? {});
    if (saved.length !== expected.length || expected.some((s) => !saved.includes(s)))
      fail(`weight ${w.name} has slots ${list(saved)} saved, ${c.optimizer.className} as configured keeps ${list(expected)}`);
    for (const s of expected) {
      const e = entries.get(`${w.name}:${s}`) as SlotEntry;
      if (!nb.shapesEqual(e.shape, w.shape)) fail(`slot '${s}' of weight ${w.name} has shape [${e.shape}], the weight [${w.shape}]`);
      if (e.dtype !== w.value.dtype) fail(`slot '${s}' of weight ${w.name} is ${e.dtype}, the weight ${w.value.dtype}`);
    }
  }
  const params = Object.fromEntries(weights.map((w) => [w.name, w.value]));
  if (c.slots) nb.dispose(c.slots);
  c.slots = nb.keep(groupSlots(c.optimizer, params, values));
  c.iterations = state.iterations;
}
