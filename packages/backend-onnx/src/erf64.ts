import type { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * float64 erf for onnxruntime, which has no double Erf kernel: the same method as the CPU
 * backend's kernel (kernels/erf.ts), unrolled. Taylor series below |x| = 3 (60 terms reach
 * double precision there), Lentz's continued fraction for erfc above (60 iterations), chosen
 * per element. Both branches run on clamped inputs so neither overflows.
 */
export function lowerErf64(b: OnnxGraphBuilder, x: string): string {
  const c = (v: number) => b.scalar('float64', v);
  const op = (name: string, ...ins: string[]) => b.op(name, ins);
  const ax = op('Abs', x);

  const xs = op('Min', op('Max', x, c(-3)), c(3));
  const x2 = op('Mul', xs, xs);
  let term = xs;
  let sum = xs;
  for (let n = 1; n <= 60; n++) {
    term = op('Mul', term, op('Mul', x2, c(-1 / n)));
    sum = op('Add', sum, op('Mul', term, c(1 / (2 * n + 1))));
  }
  const series = op('Mul', sum, c(2 / Math.sqrt(Math.PI)));

  const xl = op('Min', op('Max', ax, c(3)), c(30));
  let f = xl;
  let cc = xl;
  let d = c(0);
  for (let i = 1; i <= 60; i++) {
    const a = c(i / 2);
    d = op('Reciprocal', op('Add', xl, op('Mul', a, d)));
    cc = op('Add', xl, op('Div', a, cc));
    f = op('Mul', f, op('Mul', cc, d));
  }
  const erfc = op('Div', op('Exp', op('Neg', op('Mul', xl, xl))), op('Mul', f, c(Math.sqrt(Math.PI))));
  const tail = op('Mul', op('Sign', x), op('Sub', c(1), erfc));
  return op('Where', op('Less', ax, c(3)), series, tail);
}
