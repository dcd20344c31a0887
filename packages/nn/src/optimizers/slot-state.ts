import * as nb from '@nabla/core';
import { type Optimizer, type Slots, slotShape, slotsFitGroups } from './optimizer.js';

/**
 * An optimizer's slots per parameter rather than per slot group: the form a saved model keeps
 * them in. Slot groups depend on where the parameters live (a backend's flat-slot limit decides
 * which small parameters share one flat slot), so a state saved on one backend is regrouped from
 * this form for the backend it resumes on.
 */

/** Slot values on the host, flattened, in the parameter's dtype. */
export type HostValues = Float32Array | Float64Array;

/** Per parameter name, its slot values by slot name, each of the parameter's size (row-major). */
export type ParamSlots = Record<string, Record<string, HostValues>>;

/**
 * Each parameter's slot values, read from `slots` (grouped as `optimizer.slotGroups(params)`).
 * When the groups no longer match the parameters (a layer's trainability changed after the slots
 * were made), the next step would start from fresh slots (see ensureSlots): those are returned.
 */
export async function slotsPerParam(optimizer: Optimizer, params: Record<string, nb.Tensor>, slots: Slots): Promise<ParamSlots> {
  const groups = optimizer.slotGroups(params);
  const matches = slotsFitGroups(groups, slots);
  const source = matches ? slots : optimizer.initSlots(params);
  try {
    const out: ParamSlots = Object.fromEntries(Object.keys(params).map((name) => [name, {}]));
    for (const { key, names } of groups) {
      for (const slot of optimizer.stateSlotNames()) {
        const data = (await source[key][slot].data()) as HostValues;
        let at = 0;
        for (const name of names) {
          const size = params[name].size;
          out[name][slot] = data.slice(at, at + size);
          at += size;
        }
      }
    }
    return out;
  } finally {
    if (!matches) nb.dispose(source);
  }
}

/** Slots grouped for `params` where they live now, from per-parameter values (the caller keeps them). */
export function groupSlots(optimizer: Optimizer, params: Record<string, nb.Tensor>, values: ParamSlots): Slots {
  const slots: Slots = {};
  for (const { key, names } of optimizer.slotGroups(params)) {
    const { dtype } = params[names[0]];
    const shape = slotShape(params, names);
    const size = nb.sizeOf(shape);
    slots[key] = {};
    for (const slot of optimizer.stateSlotNames()) {
      const data = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
      let at = 0;
      for (const name of names) {
        data.set(values[name][slot], at);
        at += params[name].size;
      }
      slots[key][slot] = nb.tensor(data, shape, dtype);
    }
  }
  return slots;
}
