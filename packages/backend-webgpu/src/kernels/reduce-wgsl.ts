import { bindings, flatMain, type Scalar } from '../wgsl/prelude.js';

/**
 * The WGSL of one reduction pass. A pass reduces a strided input to `O * C` results: `O` output
 * elements (the kept axes), each split into `C` chunks of `L` consecutive positions of its `M`
 * reduced positions (the reduced axes in row-major order). With C > 1 the pass writes partials
 * that a later pass reduces again (see reduce.ts). Everything here is in a fixed order that
 * depends only on the shape, so two runs give the same bits:
 *
 * - 'serial': one invocation per (output, chunk), looping over the chunk in order. Adjacent
 *   invocations take adjacent outputs, so reads coalesce when the kept axes are innermost.
 * - 'group': one workgroup per (output, chunk). Invocation `lid` folds positions lid, lid + W,
 *   ... (adjacent invocations read adjacent elements when the reduced axes are innermost), then
 *   a fixed tree in workgroup memory folds the W partials.
 *
 * max and argMax carry the position of their best element with it: of equal values (and of
 * NaNs, which beat every number) the lowest position wins, so the result is the CPU's first
 * maximum whatever the order of folding, down to which of -0 and +0 comes out. NaN is found
 * from the bits: WGSL lets compilers assume finite floats, so `x != x` and max() prove nothing.
 */
export type ReduceFn = 'sum' | 'prod' | 'max' | 'argMax';

export interface ReducePassShape {
  fn: ReduceFn;
  /** The input's storage type (float32 as f32, int32 as i32). */
  type: Scalar;
  scheme: 'serial' | 'group';
  /** Workgroup size: a power of two for 'group' (its tree halves it). */
  workgroup: number;
  keptRank: number;
  reducedRank: number;
  /** argMax's later passes: in1 holds each partial's position in the original axis. */
  positionsIn: boolean;
  /** What the pass writes: out0 the values, or (argMax) the positions as i32, or both (out0, out1). */
  writes: 'values' | 'positions' | 'both';
}

/** Params words, in this order; the kept and reduced dims and strides follow. */
export const REDUCE_PARAMS = ['outputs', 'positions', 'chunks', 'chunkLength', 'outputStride', 'chunkStride', 'identity'] as const;

/** A position that holds no element yet: loses to every element. */
const NONE = '0xffffffffu';

export function reducePassWgsl(s: ReducePassShape): string {
  const maxLike = s.fn === 'max' || s.fn === 'argMax';
  const T = s.type;
  const reads = [T, ...(s.positionsIn ? ['u32'] : [])];
  const writes = s.writes === 'values' ? [T] : s.writes === 'positions' ? ['i32'] : [T, 'u32'];
  const words = REDUCE_PARAMS.length + 2 * (s.keptRank + s.reducedRank);
  const keptAt = REDUCE_PARAMS.length;
  const reducedAt = keptAt + 2 * s.keptRank;
  const W = s.workgroup;

  // The identity, the result of an empty reduction, comes in the params as bits: -Infinity
  // written as a WGSL constant is an error, and a literal would give the compiler ideas.
  const identity = `bitcast<${T}>(prm(6u))`;
  const fold = s.fn === 'sum' ? 'a + b' : 'a * b';
  const position = (off: string, j: string) => (s.positionsIn ? `in1[${off}]` : j);

  const lines: string[] = [bindings(words, reads, writes)];
  lines.push(offsetFn('keptOffset', s.keptRank, keptAt));
  lines.push(offsetFn('reducedOffset', s.reducedRank, reducedAt));
  if (maxLike) {
    lines.push(
      T === 'f32'
        ? `fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// Whether value b at position pb replaces value a at position pa: a NaN beats every number, and
// of equal values (NaNs included) the first wins; nothing (position NONE) loses to everything.
fn better(b: f32, pb: u32, a: f32, pa: u32) -> bool {
  if (pb == ${NONE}) { return false; }
  if (pa == ${NONE}) { return true; }
  let an = isNan(a);
  let bn = isNan(b);
  if (an || bn) { return bn && (!an || pb < pa); }
  return b > a || (b == a && pb < pa);
}`
        : `fn better(b: i32, pb: u32, a: i32, pa: u32) -> bool {
  if (pb == ${NONE}) { return false; }
  if (pa == ${NONE}) { return true; }
  return b > a || (b == a && pb < pa);
}`,
    );
  } else {
    lines.push(`fn fold(a: ${T}, b: ${T}) -> ${T} { return ${fold}; }`);
  }

  const init = maxLike ? `  var acc = ${identity};\n  var at = ${NONE};` : `  var acc = ${identity};`;
  const take = (off: string, j: string) =>
    maxLike
      ? `let v = in0[${off}]; let pv = ${position(off, j)}; if (better(v, pv, acc, at)) { acc = v; at = pv; }`
      : `acc = fold(acc, in0[${off}]);`;
  const store = (dst: string, value: string, pos: string) => {
    if (s.writes === 'positions') return `out0[${dst}] = select(i32(${pos}), 0, ${pos} == ${NONE});`;
    const v = maxLike ? `select(${value}, ${identity}, ${pos} == ${NONE})` : value;
    return s.writes === 'both' ? `out0[${dst}] = ${v}; out1[${dst}] = ${pos};` : `out0[${dst}] = ${v};`;
  };
  const head = `  let outputs = prm(0u);
  let positions = prm(1u);
  let chunks = prm(2u);
  let chunkLength = prm(3u);`;
  const dst = 'o * prm(4u) + c * prm(5u)';

  if (s.scheme === 'serial') {
    lines.push(
      flatMain(
        W,
        `${head}
  if (gid >= outputs * chunks) { return; }
  let o = gid % outputs;
  let c = gid / outputs;
  let base = keptOffset(o);
  let start = c * chunkLength;
  let end = min(start + chunkLength, positions);
${init}
  for (var j = start; j < end; j++) {
    let off = base + reducedOffset(j);
    ${take('off', 'j')}
  }
  ${store(dst, 'acc', 'at')}`,
      ),
    );
  } else {
    lines.push(`var<workgroup> partial: array<${T}, ${W}>;`);
    if (maxLike) lines.push(`var<workgroup> partialAt: array<u32, ${W}>;`);
    const merge = maxLike
      ? `if (better(partial[lid + s], partialAt[lid + s], partial[lid], partialAt[lid])) {
        partial[lid] = partial[lid + s];
        partialAt[lid] = partialAt[lid + s];
      }`
      : 'partial[lid] = fold(partial[lid], partial[lid + s]);';
    // `group` (flatMain's workgroup index) is uniform, so the early return keeps the barriers
    // below in uniform control flow; the backend may dispatch a few workgroups past the end.
    lines.push(
      flatMain(
        W,
        `${head}
  if (group >= outputs * chunks) { return; }
  let o = group / chunks;
  let c = group % chunks;
  let base = keptOffset(o);
  let start = c * chunkLength;
  let end = min(start + chunkLength, positions);
${init}
  for (var j = start + lid; j < end; j += ${W}u) {
    let off = base + reducedOffset(j);
    ${take('off', 'j')}
  }
  partial[lid] = acc;
${maxLike ? '  partialAt[lid] = at;' : ''}
  for (var s = ${W / 2}u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lid < s) {
      ${merge}
    }
  }
  if (lid == 0u) {
    ${store(dst, 'partial[0]', maxLike ? 'partialAt[0]' : '0u')}
  }`,
      ),
    );
  }
  return lines.join('\n');
}

/**
 * fn name(i: u32) -> u32: the offset of the i-th element (row-major) of dims at params word
 * `at`, with the strides that follow them. Rank is unrolled; rank 0 is offset 0.
 */
function offsetFn(name: string, rank: number, at: number): string {
  if (rank === 0) return `fn ${name}(i: u32) -> u32 { return 0u; }`;
  if (rank === 1) return `fn ${name}(i: u32) -> u32 { return i * prm(${at + 1}u); }`;
  const body = [`  var rem = i;`, '  var off = 0u;'];
  for (let d = rank - 1; d >= 0; d--) {
    if (d === 0) body.push(`  off += rem * prm(${at + rank}u);`);
    else body.push(`  { let n = prm(${at + d}u); off += (rem % n) * prm(${at + rank + d}u); rem = rem / n; }`);
  }
  return `fn ${name}(i: u32) -> u32 {\n${body.join('\n')}\n  return off;\n}`;
}
