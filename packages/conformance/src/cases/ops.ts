import * as nb from '@nabla/core';
import { type Case, missingDtype, type Outcome } from '../case.js';
import { decode, type FixtureTensor, type OpCase } from '../fixtures.js';
import { applyOp, forwardKind } from '../op-table.js';
import { compare, TOLERANCES, type Tolerance } from '../tolerance.js';

export function toTensor(f: FixtureTensor, dtype = f.dtype ?? 'float32'): nb.Tensor {
  const data = decode(f.data);
  return nb.tensor(dtype === 'bool' ? data.map((v) => v !== 0) : data, f.shape, dtype);
}

/** Compares a computed tensor with a fixture tensor: shape exactly, values within the tolerance. */
export async function check(actual: nb.Tensor, expected: FixtureTensor, tol: Tolerance, what: string): Promise<Outcome> {
  if (!nb.shapesEqual(actual.shape, expected.shape)) {
    return { status: 'fail', detail: `${what}: shape [${actual.shape}], expected [${expected.shape}]` };
  }
  if (expected.dtype && actual.dtype !== expected.dtype) {
    return { status: 'fail', detail: `${what}: dtype ${actual.dtype}, expected ${expected.dtype}` };
  }
  // Fixtures print float32 values with the fewest digits that round-trip; round them back.
  const want = decode(expected.data);
  const c = compare(await actual.data(), actual.dtype === 'float32' ? want.map(Math.fround) : want, tol);
  return { status: c.pass ? 'pass' : 'fail', maxError: c.maxError, detail: c.pass ? undefined : `${what} ${c.detail}` };
}

/** The dtypes an op case computes in: its inputs' and its output's. */
export function caseDtypes(fx: OpCase): string[] {
  return [...fx.inputs, fx.output].map((x) => x.dtype ?? 'float32');
}

export function forwardCase(fx: OpCase, tolerance: Tolerance = TOLERANCES[forwardKind(fx.op)]): Case {
  return {
    id: `forward ${fx.id}`,
    group: 'forward',
    tolerance,
    skip: (caps) => missingDtype(caseDtypes(fx), caps),
    run: async () => {
      const out = nb.tidy(() =>
        applyOp(
          fx.op,
          fx.inputs.map((i) => toTensor(i)),
          fx.params,
        ),
      );
      try {
        return await check(out, fx.output, tolerance, 'output');
      } finally {
        out.dispose();
      }
    },
  };
}

/** The gradient of sum(op(x) * cotangent) against TF.js's (or, where TF.js is wrong, differences). */
export function gradientCase(fx: OpCase): Case | null {
  if (!fx.grads || !fx.cotangent) return null;
  const fromDifferences = fx.gradSource === 'finiteDifferences';
  const tolerance = fromDifferences ? TOLERANCES.finiteDifference : TOLERANCES.gradient;
  const grads = fx.grads;
  const cotangent = fx.cotangent;
  return {
    id: `gradient ${fx.id}${fromDifferences ? ' (reference: central differences; TF.js defect)' : ''}`,
    group: 'gradient',
    tolerance,
    skip: (caps) => missingDtype(caseDtypes(fx), caps),
    run: async () => {
      const inputs = fx.inputs.map((i) => toTensor(i));
      const float = inputs.filter((t, i) => grads[i] && (t.dtype === 'float32' || t.dtype === 'float64'));
      const gs = nb.tidy(() => {
        const ct = toTensor(cotangent, 'float32');
        return nb.vjp(
          (xs: nb.Tensor[]) =>
            applyOp(
              fx.op,
              inputs.map((t) => (float.includes(t) ? xs[float.indexOf(t)] : t)),
              fx.params,
            ),
          float,
          ct,
        ).grads;
      });
      try {
        let worst: Outcome = { status: 'pass', maxError: 0 };
        for (const [k, t] of float.entries()) {
          const i = inputs.indexOf(t);
          const o = await check(gs[k], grads[i] as FixtureTensor, tolerance, `d/d input ${i}`);
          if (o.status === 'fail') return o;
          worst = { status: 'pass', maxError: Math.max(worst.maxError ?? 0, o.maxError ?? 0) };
        }
        return worst;
      } finally {
        nb.dispose([gs, inputs]);
      }
    },
  };
}
