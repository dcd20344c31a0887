import { type BinaryOp, broadcastStrides, type DType, isFloat, NablaError, sizeOf, type TypedArray, type UnaryOp } from '@nabla/core';
import { planWalk } from '../strided.js';
import { erf } from './erf.js';

/**
 * Elementwise kernels, generated: each op is a JavaScript expression over x0, x1, x2, compiled
 * once per (expression, operand count) into a loop over the collapsed broadcast walk. Inlining
 * the expression keeps the hot loop free of calls that V8 could not inline. The tables are
 * records over every function, so a function added to core without a kernel fails to compile.
 */
const UNARY: Record<UnaryOp, string> = {
  neg: '-x0',
  abs: 'Math.abs(x0)',
  sign: 'Math.sign(x0)',
  exp: 'Math.exp(x0)',
  log: 'Math.log(x0)',
  log1p: 'Math.log1p(x0)',
  sqrt: 'Math.sqrt(x0)',
  sin: 'Math.sin(x0)',
  cos: 'Math.cos(x0)',
  tanh: 'Math.tanh(x0)',
  // From e^-|x|, so that neither branch overflows; NaN takes the second.
  sigmoid: '(x0 >= 0 ? 1 / (1 + Math.exp(-x0)) : Math.exp(x0) / (1 + Math.exp(x0)))',
  erf: 'erf(x0)',
  floor: 'Math.floor(x0)',
  logicalNot: '(x0 ? 0 : 1)',
  isNaN: '(x0 !== x0 ? 1 : 0)',
  isFinite: '(x0 - x0 === 0 ? 1 : 0)',
};

const BINARY: Record<BinaryOp, string> = {
  add: 'x0 + x1',
  sub: 'x0 - x1',
  mul: 'x0 * x1',
  div: 'x0 / x1',
  pow: 'Math.pow(x0, x1)',
  maximum: '(x0 > x1 || x0 !== x0 ? x0 : x1)',
  minimum: '(x0 < x1 || x0 !== x0 ? x0 : x1)',
  equal: '(x0 === x1 ? 1 : 0)',
  notEqual: '(x0 !== x1 ? 1 : 0)',
  less: '(x0 < x1 ? 1 : 0)',
  lessEqual: '(x0 <= x1 ? 1 : 0)',
  greater: '(x0 > x1 ? 1 : 0)',
  greaterEqual: '(x0 >= x1 ? 1 : 0)',
  logicalAnd: '(x0 && x1 ? 1 : 0)',
  logicalOr: '(x0 || x1 ? 1 : 0)',
};

/** The table's expression for fn; a function it lacks (a malformed graph from JavaScript) is an error. */
function exprOf(table: Record<string, string>, family: string, fn: string): string {
  if (!Object.hasOwn(table, fn)) throw new NablaError(`cpu: no kernel for ${family} function '${fn}'`);
  return table[fn];
}

export function unaryExpr(fn: UnaryOp): string {
  return exprOf(UNARY, 'unary', fn);
}

export function binaryExpr(fn: BinaryOp, dtype: DType): string {
  // Doubles lose int32 products past 2^53; imul wraps exactly like int32 arithmetic.
  if (fn === 'mul' && dtype === 'int32') return 'Math.imul(x0, x1)';
  // Math.pow is inexact past 2^53: int32 powers are exact products, wrapping as mul does.
  if (fn === 'pow' && dtype === 'int32') return 'ipow(x0, x1)';
  return exprOf(BINARY, 'binary', fn);
}

export const WHERE_EXPR = '(x0 ? x1 : x2)';
export const COPY_EXPR = 'x0';

export function castExpr(from: DType, to: DType): string {
  if (to === 'bool') return '(x0 !== 0 ? 1 : 0)';
  // Float to int32 truncates toward zero and saturates: out-of-range values (infinities
  // included) become -2^31 or 2^31-1, NaN becomes 0 (x | 0 maps NaN to 0 and truncates in range).
  if (to === 'int32' && isFloat(from)) {
    return '(x0 >= 2147483647 ? 2147483647 : x0 <= -2147483648 ? -2147483648 : x0 | 0)';
  }
  return 'x0';
}

/**
 * x ** y in int32 arithmetic: square-and-multiply with Math.imul, so a result past 2^31 wraps
 * modulo 2^32 as NumPy's and TensorFlow's integer power do. A negative exponent gives the
 * truncated real result: 1 for x = 1, +-1 for x = -1, 0 otherwise (0 ** -1 included).
 */
export function ipow(x: number, y: number): number {
  if (y < 0) return x === 1 || (x === -1 && (y & 1) === 0) ? 1 : x === -1 ? -1 : 0;
  let r = 1;
  let base = x;
  for (let e = y; e > 0; e >>>= 1) {
    if (e & 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
  }
  return r;
}

type Loop = (ins: TypedArray[], out: TypedArray, walk: WalkArgs) => void;
interface WalkArgs {
  rows: number;
  inner: number;
  offs: Int32Array[];
  steps: number[];
}

const loops = new Map<string, Loop>();

function generate(expr: string, arity: number): Loop {
  const key = `${arity}:${expr}`;
  let loop = loops.get(key);
  if (loop) return loop;
  const ks = [...Array(arity).keys()];
  const src = `
    ${ks.map((k) => `const a${k} = ins[${k}], o${k} = w.offs[${k}], s${k} = w.steps[${k}];`).join('\n')}
    const rows = w.rows, inner = w.inner;
    let p = 0;
    for (let r = 0; r < rows; r++) {
      ${ks.map((k) => `let i${k} = o${k}[r];`).join(' ')}
      for (let j = 0; j < inner; j++) {
        ${ks.map((k) => `const x${k} = a${k}[i${k}]; i${k} += s${k};`).join(' ')}
        out[p++] = ${expr};
      }
    }`;
  loop = new Function('erf', 'ipow', `return function elementwise(ins, out, w) {${src}}`)(erf, ipow) as Loop;
  loops.set(key, loop);
  return loop;
}

/** A kernel computing `expr` over operands broadcast to outShape. */
export function elementwiseKernel(expr: string, inShapes: readonly (readonly number[])[], outShape: readonly number[]) {
  const walk = planWalk(
    outShape,
    inShapes.map((s) => broadcastStrides(s, outShape)),
  );
  const args: WalkArgs = { rows: walk.rows, inner: walk.inner, offs: walk.rowOffsets, steps: walk.innerStrides };
  const loop = generate(expr, inShapes.length);
  const size = sizeOf(outShape);
  return (ins: TypedArray[], out: TypedArray) => {
    if (size > 0) loop(ins, out, args);
  };
}
