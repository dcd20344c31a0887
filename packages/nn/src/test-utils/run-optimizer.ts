import * as nb from '@nabla/core';
import type { Optimizer } from '../optimizers/optimizer.js';

/** Runs one apply per gradient on a float64 parameter; returns the parameter after each step and the last slots. */
export function runOptimizer(opt: Optimizer, w0: number[], gs: number[][]): { ws: number[][]; slots: Record<string, number[]> } {
  let params: Record<string, nb.Tensor> = { w: nb.tensor(w0, [w0.length], 'float64') };
  let slots = opt.initSlots(params);
  const ws: number[][] = [];
  gs.forEach((g, i) => {
    const r = opt.apply(params, { w: nb.tensor(g, [g.length], 'float64') }, slots, opt.stepTensors(i, 'float64'));
    params = r.params;
    slots = r.slots;
    ws.push(Array.from(params.w.dataSync()));
  });
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(slots.w)) out[k] = Array.from(t.dataSync());
  return { ws, slots: out };
}
