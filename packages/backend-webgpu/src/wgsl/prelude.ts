import { type DType, NablaError } from '@nabla/core';

/**
 * The pieces every kernel's WGSL shares: how each dtype is stored, the binding declarations, the
 * uniform block, and the entry point's flat invocation index.
 *
 * Storage: float32 as f32, int32 as i32, bool as u32 0/1 (WGSL has no 8-bit storage). float64
 * does not exist in WGSL: the backend does not list it.
 */
export type Scalar = 'f32' | 'i32' | 'u32';

export function scalarOf(dtype: DType): Scalar {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new NablaError(`webgpu: dtype ${dtype} is not supported; this backend has float32, int32 and bool`);
  }
}

/** Uniform words a kernel writes at compile time, read in WGSL as `prm(i)` (u32), `prmI`, `prmF`. */
export class ParamWriter {
  private readonly words: number[] = [];
  private readonly floats = new Float32Array(1);
  private readonly floatBits = new Uint32Array(this.floats.buffer);

  /** Appends a word; returns its index. */
  u32(v: number): number {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new NablaError(`webgpu: parameter ${v} does not fit in u32`);
    return this.words.push(v) - 1;
  }

  i32(v: number): number {
    return this.u32(v >>> 0);
  }

  f32(v: number): number {
    this.floats[0] = v;
    return this.u32(this.floatBits[0]);
  }

  list(vs: readonly number[]): number {
    const at = this.words.length;
    for (const v of vs) this.u32(v);
    return at;
  }

  get length(): number {
    return this.words.length;
  }

  /** Padded to whole vec4s (uniform arrays are arrays of vec4<u32>). */
  finish(): Uint32Array {
    const out = new Uint32Array(Math.max(4, Math.ceil(this.words.length / 4) * 4));
    out.set(this.words);
    return out;
  }
}

/**
 * The binding declarations: the uniform block (`words` u32 words, rounded up to vec4s), then
 * `reads` read-only arrays named in0, in1, ..., then `writes` read_write arrays named out0, out1, ...
 * The number of words is part of the source, so kernels keep it a function of rank and arity,
 * never of sizes.
 */
export function bindings(words: number, reads: readonly string[], writes: readonly string[]): string {
  const vec4s = Math.max(1, Math.ceil(words / 4));
  const lines = [
    `struct Params { w: array<vec4<u32>, ${vec4s}> }`,
    '@group(0) @binding(0) var<uniform> params: Params;',
    'fn prm(i: u32) -> u32 { return params.w[i / 4u][i % 4u]; }',
    'fn prmI(i: u32) -> i32 { return bitcast<i32>(prm(i)); }',
    'fn prmF(i: u32) -> f32 { return bitcast<f32>(prm(i)); }',
  ];
  reads.forEach((type, k) => {
    lines.push(`@group(0) @binding(${1 + k}) var<storage, read> in${k}: array<${type}>;`);
  });
  writes.forEach((type, k) => {
    lines.push(`@group(0) @binding(${1 + reads.length + k}) var<storage, read_write> out${k}: array<${type}>;`);
  });
  return lines.join('\n');
}

/**
 * A compute entry point over a flat range: `body` sees `gid` (u32), the invocation's flat index
 * across all workgroups (the backend may spread them over x and y), and `lid`, its index in its
 * workgroup.
 */
export function flatMain(workgroupSize: number, body: string): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let gid = group * ${workgroupSize}u + lid;
${body}
}`;
}

/** Workgroups needed for `n` invocations of `workgroupSize`. */
export const groupsFor = (n: number, workgroupSize: number) => Math.ceil(n / workgroupSize);

/** Axes merged where every operand walks them contiguously: core's, shared with the CPU backend. */
export { collapseAxes } from '@nabla/core';

/**
 * WGSL that turns the flat output index `flat` into one element offset per operand, for an
 * output of rank `rank` whose dims start at params word `dimsAt` and whose operand k's strides
 * start at `stridesAt + k * rank`. Declares `off0`, `off1`, ... (u32). Rank is unrolled.
 */
export function offsetsCode(flat: string, rank: number, operands: number, dimsAt: number, stridesAt: number): string {
  const lines: string[] = [];
  for (let k = 0; k < operands; k++) lines.push(`  var off${k} = 0u;`);
  if (rank > 0) lines.push(`  var rem = ${flat};`);
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  { let n = prm(${dimsAt + d}u); let c = rem % n; rem = rem / n;`);
    for (let k = 0; k < operands; k++) lines.push(`    off${k} += c * prm(${stridesAt + k * rank + d}u);`);
    lines.push('  }');
  }
  return lines.join('\n');
}
