import * as nb from '@nabla/core';
import type { CaseResult } from '../case.js';
import type { OpCase } from '../fixtures.js';
import { applyOp, forwardKind } from '../op-table.js';
import { compare, isIntegerDtype, TOLERANCES } from '../tolerance.js';
import { toTensor } from './ops.js';

async function outputOn(backend: string, fx: OpCase): Promise<Float64Array> {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    const out = nb.tidy(() =>
      applyOp(
        fx.op,
        fx.inputs.map((i) => toTensor(i)),
        fx.params,
      ),
    );
    const data = Float64Array.from(await out.data());
    out.dispose();
    return data;
  } finally {
    nb.setBackend(previous);
  }
}

/**
 * The same op case on two backends must agree with each other, not only each with the
 * reference: exactly where the op is exact or the result is an integer or boolean, within the
 * cross-backend tolerance elsewhere.
 */
export async function compareBackends(a: string, b: string, ops: OpCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const fx of ops) {
    const exact = forwardKind(fx.op) === 'exact' || isIntegerDtype(fx.output.dtype);
    const tolerance = exact ? TOLERANCES.exact : TOLERANCES.crossBackend;
    // A hand-written case (spec.ts) is named with its group, as in the per-backend report.
    const name = 'group' in fx ? `${fx.group} ${fx.id}` : fx.id;
    const base = { id: `cross ${a}/${b} ${name}`, group: 'cross-backend', tolerance };
    try {
      const c = compare(await outputOn(a, fx), await outputOn(b, fx), tolerance);
      results.push({ ...base, status: c.pass ? 'pass' : 'fail', maxError: c.maxError, detail: c.detail });
    } catch (e) {
      results.push({ ...base, status: 'fail', detail: `threw ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return results;
}
