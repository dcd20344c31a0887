import { type BinaryOp, type DType, isFloat, NablaError, type UnaryOp } from '@nabla/core';
import { type Scalar, scalarOf } from './prelude.js';

/**
 * The elementwise functions in WGSL: the GPU's side of the CPU backend's expression table
 * (backend-cpu kernels/elementwise.ts), with the same semantics (the conformance suite's nan and
 * integers groups hold both to them).
 *
 * WGSL lets a compiler assume finite math, and defines integer division by zero and float-to-int
 * conversion differently from JavaScript. So every NaN, infinity and zero case is decided
 * deliberately, on bit patterns and with explicit branches, in the helper functions below
 * (included in a shader only when it calls them); the builtins are used only where their
 * result is already the right one.
 */

/** Helper functions, by name; each lists the helpers it calls. */
const HELPERS: Record<string, { uses: string[]; code: string }> = {
  // WGSL rejects a constant expression that evaluates to NaN or an infinity, so their bits are
  // read from private variables, which the compiler does not fold.
  nan_f: {
    uses: [],
    code: 'var<private> NAN_BITS: u32 = 0x7fc00000u;\nfn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }',
  },
  inf_f: {
    uses: [],
    code: 'var<private> INF_BITS: u32 = 0x7f800000u;\nfn inf_f(negative: bool) -> f32 { return bitcast<f32>(INF_BITS | select(0u, 0x80000000u, negative)); }',
  },
  is_nan: { uses: [], code: 'fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }' },
  is_inf: { uses: [], code: 'fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }' },
  is_finite: { uses: [], code: 'fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }' },
  sign_f: {
    uses: ['is_nan'],
    code: 'fn sign_f(x: f32) -> f32 { if (is_nan(x) || x == 0.0) { return x; } return select(-1.0, 1.0, x > 0.0); }',
  },
  exp_f: {
    uses: ['is_nan', 'inf_f'],
    code: `fn exp_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return inf_f(false); }
  if (x < -103.97208) { return 0.0; }
  return exp(x);
}`,
  },
  log_f: {
    uses: ['is_nan', 'nan_f', 'inf_f', 'is_inf'],
    code: `fn log_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x < 0.0) { return nan_f(); }
  if (x == 0.0) { return inf_f(true); }
  if (is_inf(x)) { return x; }
  return log(x);
}`,
  },
  // log(1 + x) without losing x's low bits when x is small: log(u) * x / (u - 1), u = 1 + x.
  log1p_f: {
    uses: ['is_nan', 'nan_f', 'inf_f', 'is_inf'],
    code: `fn log1p_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x < -1.0) { return nan_f(); }
  if (x == -1.0) { return inf_f(true); }
  if (is_inf(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * (x / (u - 1.0));
}`,
  },
  sqrt_f: {
    uses: ['is_nan', 'nan_f', 'is_inf'],
    code: `fn sqrt_f(x: f32) -> f32 {
  if (is_nan(x) || x == 0.0) { return x; }
  if (x < 0.0) { return nan_f(); }
  if (is_inf(x)) { return x; }
  return sqrt(x);
}`,
  },
  // sin and cos of our own (Cephes' sinf/cosf): WGSL only bounds the builtins' absolute error
  // by 2^-11 on [-pi, pi], and SwiftShader's missed by 1e-4 there. Reduction by pi/4 in three
  // parts (Cody-Waite: each product exact), then minimax polynomials on [-pi/4, pi/4]; cos x is
  // sin x shifted by two octants. Past |x| = 8192 the reduction loses bits: the builtin is no worse.
  sin_cos_f: {
    uses: ['is_finite', 'nan_f'],
    code: `fn sin_cos_f(x: f32, cosine: bool) -> f32 {
  if (!is_finite(x)) { return nan_f(); }
  let ax = abs(x);
  if (ax > 8192.0) { return select(sin(x), cos(x), cosine); }
  var j = u32(ax * 1.2732395447351628);
  var y = f32(j);
  if ((j & 1u) == 1u) { j = j + 1u; y = y + 1.0; }
  var sgn = select(1.0, -1.0, x < 0.0 && !cosine);
  if (cosine) { j = j + 2u; }
  j = j & 7u;
  if (j > 3u) { sgn = -sgn; j = j - 4u; }
  let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let zz = z * z;
  var r: f32;
  if (j == 2u) {
    r = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  } else {
    r = ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
  }
  return sgn * r;
}`,
  },
  // Past |x| = 9, tanh is +-1 in float32; the builtin's sinh/cosh would overflow there.
  tanh_f: {
    uses: ['is_nan'],
    code: `fn tanh_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) > 9.0) { return select(-1.0, 1.0, x > 0.0); }
  if (abs(x) < 0.0004) { return x; }
  let e = exp(2.0 * x);
  return (e - 1.0) / (e + 1.0);
}`,
  },
  // From e^-|x|, so that neither branch overflows; NaN takes the second, as on the CPU.
  sigmoid_f: {
    uses: ['exp_f'],
    code: `fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp_f(-x)); }
  let e = exp_f(x);
  return e / (1.0 + e);
}`,
  },
  // erfc's Chebyshev fit (Numerical Recipes' erfcc): relative error under 1.2e-7, float32's own;
  // the CPU's series and continued fraction aim at float64, which WGSL does not have.
  erf_f: {
    uses: ['is_nan'],
    code: `fn erf_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a >= 4.0) { return select(-1.0, 1.0, x > 0.0); }
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = 1.0 - t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(-y, y, x >= 0.0);
}`,
  },
  max_f: {
    uses: ['is_nan'],
    code: 'fn max_f(a: f32, b: f32) -> f32 { if (is_nan(a)) { return a; } if (is_nan(b)) { return b; } return select(b, a, a > b); }',
  },
  min_f: {
    uses: ['is_nan'],
    code: 'fn min_f(a: f32, b: f32) -> f32 { if (is_nan(a)) { return a; } if (is_nan(b)) { return b; } return select(b, a, a < b); }',
  },
  // x / 0 by the sign rule, 0 / 0 and NaN / 0 NaN: the IEEE answers, decided here, not by the driver.
  div_f: {
    uses: ['is_nan', 'nan_f', 'inf_f'],
    code: `fn div_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) {
    if (a == 0.0 || is_nan(a)) { return nan_f(); }
    return inf_f(((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u) != 0u);
  }
  return a / b;
}`,
  },
  // JavaScript's int32 division: truncated, and x / 0 stores 0 (Infinity and NaN become 0 in an
  // Int32Array); -2^31 / -1 wraps to -2^31. WGSL's own rule for / 0 returns the dividend.
  div_i: {
    uses: [],
    code: `fn div_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  return a / b;
}`,
  },
  // Math.pow: y = 0 gives 1 even for NaN x; |x| = 1 with infinite y is NaN; a negative x with
  // a non-integer y is NaN; odd integer powers keep x's sign. Small integer powers multiply
  // (exact where float32 is), others go through exp2(y * log2|x|).
  pow_f: {
    uses: ['is_nan', 'nan_f', 'is_inf', 'inf_f'],
    code: `fn pow_f(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan_f(); }
  let ax = abs(x);
  if (is_inf(y)) {
    if (ax == 1.0) { return nan_f(); }
    return select(0.0, inf_f(false), (ax > 1.0) == (y > 0.0));
  }
  let integral = floor(y) == y;
  let odd = integral && abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  let negative = bitcast<u32>(x) >= 0x80000000u;
  if (x == 0.0 || is_inf(x)) {
    let big = (y > 0.0) == is_inf(x);
    let magnitude = select(0.0, inf_f(false), big);
    return select(magnitude, -magnitude, negative && odd);
  }
  if (x < 0.0 && !integral) { return nan_f(); }
  var r: f32;
  if (integral && abs(y) <= 64.0) {
    var e = u32(abs(y));
    var base = ax;
    r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    if (y < 0.0) { r = 1.0 / r; }
  } else {
    r = exp2(y * log2(ax));
  }
  return select(r, -r, x < 0.0 && odd);
}`,
  },
  // int32 x ** y: square-and-multiply wrapping as int32 mul does; a negative y gives the
  // truncated real result (backend-cpu's ipow).
  pow_i: {
    uses: [],
    code: `fn pow_i(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(-1, 1, (y & 1) == 0); }
    return 0;
  }
  var r = 1;
  var base = x;
  var e = u32(y);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  },
  // Truncation toward zero, saturating; NaN becomes 0 (backend-cpu's castExpr).
  f32_to_i32: {
    uses: ['is_nan'],
    code: `fn f32_to_i32(x: f32) -> i32 {
  if (is_nan(x)) { return 0; }
  if (x >= 2147483647.0) { return 2147483647; }
  if (x <= -2147483648.0) { return -2147483647 - 1; }
  return i32(x);
}`,
  },
};

/** The helper functions `code` calls, with what they call, each once, dependencies first. */
export function helpersFor(code: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const u of HELPERS[name].uses) visit(u);
    out.push(HELPERS[name].code);
  };
  for (const name of Object.keys(HELPERS)) if (new RegExp(`\\b${name}\\(`).test(code)) visit(name);
  return out.join('\n');
}

const bool = (cond: string) => `select(0u, 1u, ${cond})`;

/** A value in WGSL and its scalar type. */
export interface Expr {
  code: string;
  type: Scalar;
}

/** Float-only functions applied to int32 compute in f32 and store as the CPU does (truncating into an Int32Array). */
const UNARY_F32: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `sign_f(${x})`,
  exp: (x) => `exp_f(${x})`,
  log: (x) => `log_f(${x})`,
  log1p: (x) => `log1p_f(${x})`,
  sqrt: (x) => `sqrt_f(${x})`,
  sin: (x) => `sin_cos_f(${x}, false)`,
  cos: (x) => `sin_cos_f(${x}, true)`,
  tanh: (x) => `tanh_f(${x})`,
  sigmoid: (x) => `sigmoid_f(${x})`,
  erf: (x) => `erf_f(${x})`,
  floor: (x) => `floor(${x})`,
  logicalNot: (x) => bool(`(bitcast<u32>(${x}) & 0x7fffffffu) == 0u`),
  isNaN: (x) => bool(`is_nan(${x})`),
  isFinite: (x) => bool(`is_finite(${x})`),
};

/** A unary function of an operand of `dtype`, giving a value of `outDtype`. */
export function unaryExpr(fn: UnaryOp, x: Expr, dtype: DType, outDtype: DType): Expr {
  if (!Object.hasOwn(UNARY_F32, fn)) throw new NablaError(`webgpu: no kernel for unary function '${fn}'`);
  if (dtype === 'float32') return { code: UNARY_F32[fn](x.code), type: scalarOf(outDtype) };
  // Integer and bool operands.
  switch (fn) {
    case 'neg':
      return { code: `(0 - ${asI32(x)})`, type: 'i32' };
    case 'abs':
      return { code: `abs(${asI32(x)})`, type: 'i32' };
    case 'sign':
      return { code: `sign(${asI32(x)})`, type: 'i32' };
    case 'floor':
      return x;
    case 'logicalNot':
      return { code: bool(`${x.code} == ${zeroOf(x.type)}`), type: 'u32' };
    case 'isNaN':
      return { code: '0u', type: 'u32' };
    case 'isFinite':
      return { code: '1u', type: 'u32' };
    default: {
      const f = UNARY_F32[fn](`f32(${x.code})`);
      return outDtype === 'int32' ? { code: `f32_to_i32(${f})`, type: 'i32' } : { code: f, type: 'f32' };
    }
  }
}

const asI32 = (x: Expr) => (x.type === 'i32' ? x.code : `i32(${x.code})`);
const zeroOf = (t: Scalar) => (t === 'f32' ? '0.0' : t === 'i32' ? '0' : '0u');

const BINARY_F32: Record<BinaryOp, (a: string, b: string) => Expr> = {
  add: (a, b) => ({ code: `(${a} + ${b})`, type: 'f32' }),
  sub: (a, b) => ({ code: `(${a} - ${b})`, type: 'f32' }),
  mul: (a, b) => ({ code: `(${a} * ${b})`, type: 'f32' }),
  div: (a, b) => ({ code: `div_f(${a}, ${b})`, type: 'f32' }),
  pow: (a, b) => ({ code: `pow_f(${a}, ${b})`, type: 'f32' }),
  maximum: (a, b) => ({ code: `max_f(${a}, ${b})`, type: 'f32' }),
  minimum: (a, b) => ({ code: `min_f(${a}, ${b})`, type: 'f32' }),
  // Comparisons with a NaN are false (notEqual true), decided on bits rather than left to the driver.
  equal: (a, b) => ({ code: bool(`!is_nan(${a}) && ${a} == ${b}`), type: 'u32' }),
  notEqual: (a, b) => ({ code: bool(`is_nan(${a}) || is_nan(${b}) || ${a} != ${b}`), type: 'u32' }),
  less: (a, b) => ({ code: bool(`!is_nan(${a}) && !is_nan(${b}) && ${a} < ${b}`), type: 'u32' }),
  lessEqual: (a, b) => ({ code: bool(`!is_nan(${a}) && !is_nan(${b}) && ${a} <= ${b}`), type: 'u32' }),
  greater: (a, b) => ({ code: bool(`!is_nan(${a}) && !is_nan(${b}) && ${a} > ${b}`), type: 'u32' }),
  greaterEqual: (a, b) => ({ code: bool(`!is_nan(${a}) && !is_nan(${b}) && ${a} >= ${b}`), type: 'u32' }),
  logicalAnd: (a, b) => ({
    code: bool(`(bitcast<u32>(${a}) & 0x7fffffffu) != 0u && (bitcast<u32>(${b}) & 0x7fffffffu) != 0u`),
    type: 'u32',
  }),
  logicalOr: (a, b) => ({
    code: bool(`(bitcast<u32>(${a}) & 0x7fffffffu) != 0u || (bitcast<u32>(${b}) & 0x7fffffffu) != 0u`),
    type: 'u32',
  }),
};

const BINARY_INT: Record<BinaryOp, (a: string, b: string, t: Scalar) => Expr> = {
  add: (a, b, t) => ({ code: `(${a} + ${b})`, type: t }),
  sub: (a, b, t) => ({ code: `(${a} - ${b})`, type: t }),
  mul: (a, b, t) => ({ code: `(${a} * ${b})`, type: t }),
  div: (a, b) => ({ code: `div_i(i32(${a}), i32(${b}))`, type: 'i32' }),
  pow: (a, b) => ({ code: `pow_i(i32(${a}), i32(${b}))`, type: 'i32' }),
  maximum: (a, b, t) => ({ code: `select(${b}, ${a}, ${a} > ${b})`, type: t }),
  minimum: (a, b, t) => ({ code: `select(${b}, ${a}, ${a} < ${b})`, type: t }),
  equal: (a, b) => ({ code: bool(`${a} == ${b}`), type: 'u32' }),
  notEqual: (a, b) => ({ code: bool(`${a} != ${b}`), type: 'u32' }),
  less: (a, b) => ({ code: bool(`${a} < ${b}`), type: 'u32' }),
  lessEqual: (a, b) => ({ code: bool(`${a} <= ${b}`), type: 'u32' }),
  greater: (a, b) => ({ code: bool(`${a} > ${b}`), type: 'u32' }),
  greaterEqual: (a, b) => ({ code: bool(`${a} >= ${b}`), type: 'u32' }),
  logicalAnd: (a, b, t) => ({ code: bool(`${a} != ${zeroOf(t)} && ${b} != ${zeroOf(t)}`), type: 'u32' }),
  logicalOr: (a, b, t) => ({ code: bool(`${a} != ${zeroOf(t)} || ${b} != ${zeroOf(t)}`), type: 'u32' }),
};

/** A binary function of two operands of `dtype` (core promotes operands to one dtype first). */
export function binaryExpr(fn: BinaryOp, a: Expr, b: Expr, dtype: DType): Expr {
  if (!Object.hasOwn(BINARY_F32, fn)) throw new NablaError(`webgpu: no kernel for binary function '${fn}'`);
  return isFloat(dtype) ? BINARY_F32[fn](a.code, b.code) : BINARY_INT[fn](a.code, b.code, a.type);
}

export function whereExpr(cond: Expr, a: Expr, b: Expr): Expr {
  return { code: `select(${b.code}, ${a.code}, ${cond.code} != 0u)`, type: a.type };
}

/** Conversions as on the CPU: to bool is "not zero" (NaN is true); float to int32 truncates and saturates. */
export function castExpr(x: Expr, from: DType, to: DType): Expr {
  const target = scalarOf(to);
  if (from === to) return x;
  if (to === 'bool') {
    const nonzero = from === 'float32' ? `(bitcast<u32>(${x.code}) & 0x7fffffffu) != 0u` : `${x.code} != ${zeroOf(x.type)}`;
    return { code: bool(nonzero), type: 'u32' };
  }
  if (to === 'int32' && from === 'float32') return { code: `f32_to_i32(${x.code})`, type: 'i32' };
  return { code: `${target}(${x.code})`, type: target };
}
