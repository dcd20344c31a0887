import * as nb from '@nabla/core';
import { type Case, missingDtype } from '../case.js';
import { decode, type OpCase } from '../fixtures.js';
import { applyOp } from '../op-table.js';
import { compare, TOLERANCES } from '../tolerance.js';
import { caseDtypes } from './ops.js';

/** Elements probed per input: enough to catch a wrong rule, few enough for large cases. */
const PROBES = 12;

/**
 * The backend's float64 gradient against central differences computed on the same backend:
 * checks every gradient rule end to end without trusting any reference implementation.
 */
export function finiteDifferenceCase(fx: OpCase): Case | null {
  // A cast to float32 rounds by definition: differences of 1e-6 vanish in it.
  if (!fx.grads || !fx.cotangent || fx.op === 'cast') return null;
  const floatInputs = fx.inputs.map((t, i) => ((t.dtype ?? 'float32') === 'float32' && fx.grads?.[i] ? i : -1)).filter((i) => i >= 0);
  const values = fx.inputs.flatMap((t) => decode(t.data));
  if (floatInputs.length === 0 || values.some((v) => !Number.isFinite(v))) return null;
  const cotangent = fx.cotangent;
  return {
    id: `float64 gradient vs central differences ${fx.id}`,
    group: 'fd-gradient',
    tolerance: TOLERANCES.float64Gradient,
    skip: (caps) => missingDtype(['float64', ...caseDtypes(fx)], caps),
    run: async () => {
      const float64 = (i: number, data = decode(fx.inputs[i].data)) =>
        nb.tensor(data, fx.inputs[i].shape, (fx.inputs[i].dtype ?? 'float32') === 'float32' ? 'float64' : fx.inputs[i].dtype);
      const base = fx.inputs.map((_, i) => float64(i));
      const ct = nb.tensor(decode(cotangent.data), cotangent.shape, 'float64');
      const project = (xs: nb.Tensor[]) => nb.sum(nb.mul(nb.cast(applyOp(fx.op, xs, fx.params), 'float64'), ct));
      // Reads are awaited outside tidy() scopes, so asynchronous backends work too.
      const evaluate = async (make: () => nb.Tensor) => {
        const t = nb.tidy(make);
        const v = (await t.item()) as number;
        t.dispose();
        return v;
      };
      try {
        const grads = nb.tidy(() =>
          nb.grad((fs: nb.Tensor[]) => project(base.map((t, i) => (floatInputs.includes(i) ? fs[floatInputs.indexOf(i)] : t))))(
            floatInputs.map((i) => base[i]),
          ),
        );
        let maxError = 0;
        for (const [k, i] of floatInputs.entries()) {
          const x = decode(fx.inputs[i].data);
          const analytic = await grads[k].data();
          const step = Math.max(1, Math.floor(x.length / PROBES));
          const picked: number[] = [];
          const numeric: number[] = [];
          for (let j = 0; j < x.length; j += step) {
            const h = 1e-6 * Math.max(1, Math.abs(x[j]));
            const at = (d: number) => {
              const moved = x.slice();
              moved[j] += d;
              return evaluate(() => project(base.map((t, m) => (m === i ? float64(i, moved) : t))));
            };
            numeric.push(((await at(h)) - (await at(-h))) / (2 * h));
            picked.push(analytic[j]);
          }
          const c = compare(picked, numeric, TOLERANCES.float64Gradient);
          maxError = Math.max(maxError, c.maxError);
          if (!c.pass) {
            nb.dispose(grads);
            return { status: 'fail', maxError, detail: `d/d input ${i} (every ${step}th element probed) ${c.detail}` };
          }
        }
        nb.dispose(grads);
        return { status: 'pass', maxError };
      } finally {
        nb.dispose([base, ct]);
      }
    },
  };
}
