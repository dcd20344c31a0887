/**
 * Elementwise lowerings for onnxruntime's WebGPU execution provider, where its kernels fall
 * short of what the others compute (found by the conformance suite on 'onnx-webgpu'):
 *
 * - Sin and Cos are WGSL's sin and cos, whose error the WGSL spec leaves at 2^-11 absolute
 *   inside [-pi, pi] and unbounded outside; the SwiftShader adapter was 1e-4 off at x = 8. They
 *   become a float32 range reduction and polynomial (Cephes' sinf and cosf), within a few ulp for
 *   |x| < 1e5, like the CPU's.
 * - Pow fails to run ("raw_hash_map<>::at", onnxruntime 1.30) when an operand of more than one
 *   element broadcasts along the last axis and that axis is a multiple of 4 long ([3,4] ^ [3,1],
 *   [3,1] ^ [1,4]): such operands are expanded to the result's shape first.
 *
 * Returns undefined for every other node: the common lowering applies.
 */
import { broadcastShapes, type GraphNode, shapesEqual, sizeOf } from '@nabla/core';
import type { OnnxGraphBuilder } from '../onnx/builder.js';

/** pi/2 in three parts (Cody and Waite): j * P1 is exact for |j| < 2^16, so x - j*pi/2 keeps x's low bits. */
const HALF_PI_PARTS = [1.5703125, 4.837512969970703e-4, 7.549789948768648e-8];
/** sin(r) = r (1 + r^2 (S0 + r^2 (S1 + r^2 S2))) and cos(r) = 1 - r^2/2 + r^4 (C0 + r^2 (C1 + r^2 C2)) on [-pi/4, pi/4] (Cephes). */
const SIN = [-1.6666654611e-1, 8.3321608736e-3, -1.9515295891e-4];
const COS = [4.166664568298827e-2, -1.388731625493765e-3, 2.443315711809948e-5];

/** sin(x) (shift 0) or cos(x) = sin(x + pi/2) (shift 1), float32. */
function sinCos(b: OnnxGraphBuilder, x: string, shift: 0 | 1): string {
  const c = (v: number) => b.scalar('float32', v);
  const add = (p: string, q: string) => b.op('Add', [p, q]);
  const mul = (p: string, q: string) => b.op('Mul', [p, q]);
  const floor = (p: string) => b.op('Floor', [p]);
  // The nearest multiple of pi/2, j, and the rest, r, in [-pi/4, pi/4].
  const j = floor(add(mul(x, c(2 / Math.PI)), c(0.5)));
  const r = HALF_PI_PARTS.reduce((rest, part) => b.op('Sub', [rest, mul(j, c(part))]), x);
  const z = mul(r, r);
  const horner = ([k0, k1, k2]: number[]) => add(mul(add(mul(c(k2), z), c(k1)), z), c(k0));
  const sin = mul(r, add(c(1), mul(z, horner(SIN)))); // r (1 + ...) rather than r + ...: sin(-0) is -0
  const cos = add(b.op('Sub', [c(1), mul(z, c(0.5))]), mul(mul(z, z), horner(COS)));
  // Quadrant m = (j + shift) mod 4: sin, cos, -sin, -cos of r.
  const k = shift ? add(j, c(1)) : j;
  const m = b.op('Sub', [k, mul(floor(mul(k, c(0.25))), c(4))]);
  const odd = b.op('Greater', [b.op('Sub', [m, mul(floor(mul(m, c(0.5))), c(2))]), c(0.5)]);
  const base = b.op('Where', [odd, cos, sin]);
  return b.op('Where', [b.op('Greater', [m, c(1.5)]), b.op('Neg', [base]), base]);
}

export function lowerForWebGpu(b: OnnxGraphBuilder, node: GraphNode, ins: string[], shapes: number[][]): string | undefined {
  if (node.op === 'unary' && node.dtype === 'float32') {
    if (node.attrs.fn === 'sin') return sinCos(b, ins[0], 0);
    if (node.attrs.fn === 'cos') return sinCos(b, ins[0], 1);
  }
  if (node.op === 'binary' && node.attrs.fn === 'pow' && node.dtype !== 'int32') {
    // Broadcasting along the last axis is what fails; a single element (x^2) works as it is.
    const out = broadcastShapes('onnx', ...shapes);
    const broadcasts = shapes.map((s) => !shapesEqual(s, out) && sizeOf(s) > 1);
    if (broadcasts.some(Boolean))
      return b.op(
        'Pow',
        ins.map((x, i) => (broadcasts[i] ? b.op('Expand', [x, b.int64s(out)]) : x)),
      );
  }
  return undefined;
}
