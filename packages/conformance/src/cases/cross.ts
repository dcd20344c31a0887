import * as nb from '@nabla/core';
import { type Capabilities, type Case, capabilitiesOf, missingDtype, type Outcome } from '../case.js';
import type { FixtureTensor, OpCase } from '../fixtures.js';
import { applyOp, forwardKind } from '../op-table.js';
import { compare, isIntegerDtype, TOLERANCES, type Tolerance } from '../tolerance.js';
import { caseDtypes, toTensor } from './ops.js';

/**
 * Host copies of what a backend computed, by backend and case: with three backends each one's
 * values serve both of its pairs, so every op case and training run runs once per backend.
 */
export type Memo = Map<string, Promise<Float64Array[]>>;

/** Runs `f` with `backend` selected, restoring the one before. */
export async function onBackend<T>(backend: string, f: () => Promise<T>): Promise<T> {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    return await f();
  } finally {
    nb.setBackend(previous);
  }
}

/** `compute` on `backend`, or the values already computed there under `key`. */
export function memoized(memo: Memo, backend: string, key: string, compute: () => Promise<Float64Array[]>): Promise<Float64Array[]> {
  const k = `${backend}\u0000${key}`;
  let values = memo.get(k);
  if (!values) {
    values = onBackend(backend, compute);
    memo.set(k, values);
  }
  return values;
}

/** Host copies of tensors, which are then freed. */
export async function download(ts: nb.Tensor[]): Promise<Float64Array[]> {
  try {
    return await Promise.all(ts.map(async (t) => Float64Array.from(await t.data())));
  } finally {
    nb.dispose(ts);
  }
}

/** Compares lists of values pairwise; the first failure (named by `what`), else the largest error. */
export function compareAll(a: Float64Array[], b: Float64Array[], tolerance: Tolerance, what: (i: number) => string): Outcome {
  if (a.length !== b.length) return { status: 'fail', detail: `${a.length} results on one backend, ${b.length} on the other` };
  let maxError = 0;
  for (const [i, values] of a.entries()) {
    const c = compare(b[i], values, tolerance);
    if (!c.pass) return { status: 'fail', maxError: c.maxError, detail: `${what(i)} ${c.detail}` };
    maxError = Math.max(maxError, c.maxError);
  }
  return { status: 'pass', maxError };
}

const forwardOf = (fx: OpCase) => async () =>
  download([
    nb.tidy(() =>
      applyOp(
        fx.op,
        fx.inputs.map((i) => toTensor(i)),
        fx.params,
      ),
    ),
  ]);

/** The float inputs the case has gradients for: the ones gradientCase (ops.ts) differentiates. */
const differentiated = (fx: OpCase): number[] =>
  fx.inputs.flatMap((t, i) => (fx.grads?.[i] && (t.dtype ?? 'float32').startsWith('float') ? [i] : []));

/** The vjp of the op with the case's cotangent, with respect to each differentiated input. */
const gradientsOf = (fx: OpCase) => async () => {
  const inputs = fx.inputs.map((i) => toTensor(i));
  const wrt = differentiated(fx);
  try {
    const grads = nb.tidy(() => {
      const ct = toTensor(fx.cotangent as FixtureTensor, 'float32');
      const f = (xs: nb.Tensor[]) =>
        applyOp(
          fx.op,
          inputs.map((t, i) => (wrt.includes(i) ? xs[wrt.indexOf(i)] : t)),
          fx.params,
        );
      return nb.vjp(
        f,
        wrt.map((i) => inputs[i]),
        ct,
      ).grads;
    });
    return await download(grads);
  } finally {
    nb.dispose(inputs);
  }
};

/**
 * The same op case on two backends must agree with each other, not only each with the
 * reference: the forward values exactly where the op is exact or the result is an integer or
 * boolean, within the cross-backend tolerance elsewhere; and, where the case has a cotangent,
 * the gradients (the vjp with that cotangent) within the cross-backend gradient tolerance.
 */
export function crossOpCases(a: string, b: string, ops: readonly OpCase[], memo: Memo = new Map()): Case[] {
  const forward: Case[] = [];
  const gradient: Case[] = [];
  for (const fx of ops) {
    // Skipped where either backend lacks a dtype the case computes in (a runs it; b is named).
    const skip = (caps: Capabilities) => missingDtype(caseDtypes(fx), caps, a) ?? missingDtype(caseDtypes(fx), capabilitiesOf(b), b);
    // A hand-written case (spec.ts) is named with its group, as in the per-backend report.
    const name = 'group' in fx ? `${fx.group} ${fx.id}` : fx.id;
    const exact = forwardKind(fx.op) === 'exact' || isIntegerDtype(fx.output.dtype);
    const tolerance = exact ? TOLERANCES.exact : TOLERANCES.crossBackend;
    forward.push({
      id: `cross ${a}/${b} ${name}`,
      group: 'cross-backend',
      tolerance,
      skip,
      run: async () => {
        const [x, y] = [
          await memoized(memo, a, `forward ${name}`, forwardOf(fx)),
          await memoized(memo, b, `forward ${name}`, forwardOf(fx)),
        ];
        return compareAll(x, y, tolerance, () => 'output');
      },
    });
    if (!fx.cotangent || differentiated(fx).length === 0) continue;
    const wrt = differentiated(fx);
    gradient.push({
      id: `cross ${a}/${b} gradient ${name}`,
      group: 'cross-gradient',
      tolerance: TOLERANCES.crossGradient,
      skip,
      run: async () => {
        const key = `gradient ${name}`;
        const [x, y] = [await memoized(memo, a, key, gradientsOf(fx)), await memoized(memo, b, key, gradientsOf(fx))];
        return compareAll(x, y, TOLERANCES.crossGradient, (i) => `d/d input ${wrt[i]}`);
      },
    });
  }
  return [...forward, ...gradient];
}
