import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import { afterAll, expect, test } from 'vitest';
import { firstPart, initialWeights, OPTIMIZERS, removeFolders, resume, SPLIT, uninterrupted } from '../test-utils/resume-run.js';

/**
 * A model saved on one backend resumes on another as the run it continues. The backends sum
 * float32 in different orders, so the two runs agree within the conformance suite's crossBackend
 * tolerance (|a - b| <= 1e-6 + 1e-5 |b|), not bit for bit. Measured here: 8.1e-8 relative on the
 * losses and 4.5e-8 on the weights; a resume from fresh slots (includeOptimizer: false) is off by
 * 0.13 (cpu to onnx) and 0.049 (onnx to cpu) relative on the losses, so the check can fail.
 */

afterAll(removeFolders);

const RTOL = 1e-5;
const ATOL = 1e-6;

/** The element the furthest outside the tolerance, or null when all are within it. */
function outside(actual: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= ATOL + RTOL * Math.abs(expected[i]))) return `[${i}]: ${actual[i]} vs ${expected[i]}`;
  }
  return null;
}

for (const [from, to] of [
  ['cpu', 'onnx'],
  ['onnx', 'cpu'],
]) {
  test(`saved on ${from} after 2 of 4 epochs of Adam, resumed on ${to}: the uninterrupted ${from} run, within the crossBackend tolerance`, async () => {
    const optimizer = OPTIMIZERS[0][1];
    const initial = await initialWeights(optimizer);
    const whole = await uninterrupted(optimizer, initial, from);
    const rest = await resume((await firstPart(optimizer, initial, undefined, from)).dir, to);
    expect(rest.model.weights[0].value.backend).toBe(to);
    expect(rest.iterations).toBe(whole.iterations);
    expect(outside(rest.history, whole.history.slice(SPLIT))).toBeNull();
    for (const [i, w] of rest.weights.entries()) expect(outside(w, whole.weights[i]), `weight ${i}`).toBeNull();
    // Fresh slots instead: far outside it.
    const fresh = await resume((await firstPart(optimizer, initial, { includeOptimizer: false }, from)).dir, to);
    expect(outside(fresh.history, whole.history.slice(SPLIT))).not.toBeNull();
  });
}
