import * as nb from '@nabla/core';
import { type Case, missingDtype } from '../case.js';
import type { Encoded, FixtureTensor, OpCase } from '../fixtures.js';
import { forwardKind } from '../op-table.js';
import { isIntegerDtype, TOLERANCES, type Tolerance } from '../tolerance.js';
import { forwardCase, gradientCase, toTensor } from './ops.js';

/**
 * Cases whose expected values are nabla's defined semantics (docs/architecture.md, "NaN, integer
 * and empty-tensor semantics"), written by hand rather than recorded from TensorFlow.js:
 * edge cases where reference libraries disagree with each other, or where a backend's runtime
 * answered differently from the others. Each is an OpCase of the fixture format, so it runs on
 * every backend and across every pair of backends like a recorded one.
 */
export interface SpecCase extends OpCase {
  /** The report group: 'nan', 'integers', 'empty'. */
  group: string;
}

/** A tensor in the fixture format. */
export function t(data: readonly number[], shape: readonly number[] = [data.length], dtype: nb.DType = 'float32'): FixtureTensor {
  return { shape: [...shape], dtype, data: data.map(encode) };
}

const encode = (v: number): Encoded =>
  Number.isNaN(v) ? 'NaN' : v === Number.POSITIVE_INFINITY ? 'Infinity' : v === Number.NEGATIVE_INFINITY ? '-Infinity' : v;

export function spec(
  group: string,
  id: string,
  op: string,
  params: Record<string, unknown>,
  inputs: FixtureTensor[],
  output: FixtureTensor,
  gradient?: { cotangent: FixtureTensor; grads: (FixtureTensor | null)[] },
): SpecCase {
  return { group, id, op, params, inputs, output, cotangent: gradient?.cotangent ?? null, grads: gradient?.grads ?? null };
}

/** Integer and boolean results are exact whatever the op; float ones use the op's tolerance. */
function specTolerance(c: OpCase): Tolerance {
  return isIntegerDtype(c.output.dtype) ? TOLERANCES.exact : TOLERANCES[forwardKind(c.op)];
}

/** The forward case, and the gradient case where the spec gives gradients (skipped, as every op case, where a dtype is missing). */
export function specCases(c: SpecCase): Case[] {
  const cases: Case[] = [{ ...forwardCase(c, specTolerance(c)), id: `${c.group} ${c.id}`, group: c.group }];
  const gradient = gradientCase(c);
  if (gradient) cases.push({ ...gradient, id: `${c.group} gradient ${c.id}`, group: c.group });
  return cases;
}

/**
 * A call that must be an error on every backend, a NablaError whose message starts with the name
 * of the op the user called (`max: ...`), never a value.
 */
export function errorCase(group: string, id: string, opName: string, input: FixtureTensor, f: (x: nb.Tensor) => nb.Tensor): Case {
  return {
    id: `${group} ${id} is an error`,
    group,
    tolerance: TOLERANCES.exact,
    skip: (caps) => missingDtype([input.dtype ?? 'float32'], caps),
    run: async () => {
      const x = toTensor(input);
      try {
        const value = nb.tidy(() => f(x));
        const data = await value.data();
        value.dispose();
        return { status: 'fail', detail: `returned [${Array.from(data).join(', ')}] instead of an error` };
      } catch (e) {
        if (!(e instanceof nb.NablaError))
          return { status: 'fail', detail: `threw ${e instanceof Error ? e.name : typeof e}, not a NablaError` };
        if (!e.message.startsWith(`${opName}:`)) return { status: 'fail', detail: `the error does not name ${opName}: ${e.message}` };
        return { status: 'pass' };
      } finally {
        x.dispose();
      }
    },
  };
}
