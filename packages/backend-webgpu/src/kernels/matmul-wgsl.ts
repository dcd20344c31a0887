import { bindings, flatMain, type Scalar } from '../wgsl/prelude.js';

/**
 * The WGSL of the matmul kernels (matmul.ts chooses among them). Sizes and strides are params;
 * the source holds the type, the tile shape, the transposes and which operands are read as vec4,
 * so a handful of pipelines serve every shape. Every output is a sum over k in a fixed order.
 * int32 wraps: WGSL's i32 add and mul are two's complement modulo 2^32, like Math.imul and | 0.
 *
 * op(A)(i, p) is A[i, p], or A[p, i] with transposeA; op(B)(p, j) likewise with transposeB.
 */

export interface TileShape {
  /** Rows of op(A) and columns of op(B) per workgroup (multiples of 4: each invocation computes 4 x 4). */
  rows: number;
  cols: number;
  /** Depth of the tiles staged in workgroup memory per step. */
  depth: number;
}

export interface TiledShape {
  type: Scalar;
  tile: TileShape;
  transposeA: boolean;
  transposeB: boolean;
  /** Operands read as vec4 (their contiguous axis is a multiple of 4 long), and the output written so. */
  vecA: boolean;
  vecB: boolean;
  vecOut: boolean;
}

/** Params of the tiled kernel: m, n, k, batch. */
export const TILED_PARAMS = 4;

export const tileInvocations = (t: TileShape) => (t.rows / 4) * (t.cols / 4);
export const tileBytes = (t: TileShape) => t.depth * (t.rows + t.cols) * 4;

/**
 * One workgroup per (batch, tile of rows, tile of columns) of the output. Each step of k, the
 * workgroup stages a rows x depth tile of op(A) and a depth x cols tile of op(B) in workgroup
 * memory, both laid out as vec4s along the output axes, so the inner loop reads one vec4 of
 * each and does 16 multiply-adds. Loads from global memory follow the operand's layout (vec4
 * along whichever axis is contiguous, adjacent invocations on adjacent addresses), and the
 * transposes happen there, in index arithmetic. Elements past the edges load as 0.
 */
export function tiledWgsl(s: TiledShape): string {
  const { rows, cols, depth } = s.tile;
  const T = s.type;
  const V = `vec4<${T}>`;
  const threads = tileInvocations(s.tile);
  const lines = [bindings(TILED_PARAMS, [s.vecA ? V : T, s.vecB ? V : T], [s.vecOut ? V : T])];
  lines.push(`var<workgroup> tileA: array<${V}, ${(depth * rows) / 4}>;`);
  lines.push(`var<workgroup> tileB: array<${V}, ${(depth * cols) / 4}>;`);
  const loadA = tileLoad({
    tile: 'tileA',
    src: 'in0',
    extent: rows,
    depth,
    threads,
    depthContiguous: !s.transposeA,
    vec: s.vecA,
    start: 'row0',
    limit: 'm',
    base: 'baseA',
    type: T,
  });
  const loadB = tileLoad({
    tile: 'tileB',
    src: 'in1',
    extent: cols,
    depth,
    threads,
    depthContiguous: s.transposeB,
    vec: s.vecB,
    start: 'col0',
    limit: 'n',
    base: 'baseB',
    type: T,
  });
  const accs = [0, 1, 2, 3];
  const stores = accs.map((i) => {
    const row = `outRow${i}`;
    const write = s.vecOut
      ? `if (c0 < n) { out0[(baseC + ${row} * n + c0) / 4u] = acc${i}; }`
      : [0, 1, 2, 3].map((c) => `if (c0 + ${c}u < n) { out0[baseC + ${row} * n + c0 + ${c}u] = acc${i}[${c}]; }`).join(' ');
    return `  let ${row} = r0 + ${i}u;\n  if (${row} < m) { ${write} }`;
  });
  lines.push(
    flatMain(
      threads,
      `  let m = prm(0u);
  let n = prm(1u);
  let k = prm(2u);
  let tilesN = (n + ${cols - 1}u) / ${cols}u;
  let tilesM = (m + ${rows - 1}u) / ${rows}u;
  // group is uniform (it comes from the workgroup id), so this return keeps the barriers uniform.
  let b = group / (tilesM * tilesN);
  if (b >= prm(3u)) { return; }
  let tile = group % (tilesM * tilesN);
  let row0 = (tile / tilesN) * ${rows}u;
  let col0 = (tile % tilesN) * ${cols}u;
  let baseA = b * m * k;
  let baseB = b * k * n;
  let baseC = b * m * n;
  let tx = lid % ${cols / 4}u;
  let ty = lid / ${cols / 4}u;
${accs.map((i) => `  var acc${i} = ${V}();`).join('\n')}
  for (var p0 = 0u; p0 < k; p0 += ${depth}u) {
${loadA}
${loadB}
    workgroupBarrier();
    for (var p = 0u; p < ${depth}u; p++) {
      let a = tileA[p * ${rows / 4}u + ty];
      let bv = tileB[p * ${cols / 4}u + tx];
${accs.map((i) => `      acc${i} += a[${i}] * bv;`).join('\n')}
    }
    workgroupBarrier();
  }
  let r0 = row0 + ty * 4u;
  let c0 = col0 + tx * 4u;
${stores.join('\n')}`,
    ),
  );
  return lines.join('\n');
}

interface TileLoad {
  tile: string;
  src: string;
  /** The tile's extent along the output axis (rows of op(A), columns of op(B)). */
  extent: number;
  depth: number;
  threads: number;
  /** Whether the operand's contiguous axis is k (A not transposed, B transposed). */
  depthContiguous: boolean;
  vec: boolean;
  /** WGSL names: the tile's first output index, the output axis' length, the batch offset. */
  start: string;
  limit: string;
  base: string;
  type: Scalar;
}

/**
 * WGSL that stages one operand's tile (extent x depth, stored as vec4s along the output axis:
 * tile[p * extent/4 + e/4][e % 4] = element (start + e, p0 + p)). Invocations walk the operand
 * in memory order: along k when k is contiguous (then scatter into the vec4s' components), or
 * along the output axis (then store whole vec4s).
 */
function tileLoad(l: TileLoad): string {
  const per = l.vec ? 4 : 1;
  const count = (l.extent * l.depth) / (per * l.threads);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`matmul tile ${l.extent}x${l.depth} does not split over ${l.threads} invocations`);
  const zero = l.vec ? `vec4<${l.type}>()` : `${l.type}(0)`;
  const e4 = l.extent / 4;
  const lines: string[] = [];
  lines.push(`    for (var q = 0u; q < ${count}u; q++) {`);
  lines.push(`      let idx = lid + q * ${l.threads}u;`);
  if (l.depthContiguous) {
    // Element (e, p) at base + e * k + p: consecutive invocations take consecutive p.
    const across = l.depth / per;
    lines.push(`      let e = idx / ${across}u;`);
    lines.push(`      let p = (idx % ${across}u) * ${per}u;`);
    lines.push(`      let ge = ${l.start} + e;`);
    lines.push(`      let gp = p0 + p;`);
    lines.push(`      var v = ${zero};`);
    const at = `${l.base} + ge * k + gp`;
    lines.push(`      if (ge < ${l.limit} && gp < k) { v = ${l.src}[${l.vec ? `(${at}) / 4u` : at}]; }`);
    if (l.vec) {
      for (let c = 0; c < 4; c++) lines.push(`      ${l.tile}[(p + ${c}u) * ${e4}u + e / 4u][e % 4u] = v[${c}];`);
    } else {
      lines.push(`      ${l.tile}[p * ${e4}u + e / 4u][e % 4u] = v;`);
    }
  } else {
    // Element (e, p) at base + p * limit + e: consecutive invocations take consecutive e.
    const across = l.extent / per;
    lines.push(`      let p = idx / ${across}u;`);
    lines.push(`      let e = (idx % ${across}u) * ${per}u;`);
    lines.push(`      let ge = ${l.start} + e;`);
    lines.push(`      let gp = p0 + p;`);
    lines.push(`      var v = ${zero};`);
    const at = `${l.base} + gp * ${l.limit} + ge`;
    lines.push(`      if (ge < ${l.limit} && gp < k) { v = ${l.src}[${l.vec ? `(${at}) / 4u` : at}]; }`);
    if (l.vec) lines.push(`      ${l.tile}[p * ${e4}u + e / 4u] = v;`);
    else lines.push(`      ${l.tile}[p * ${e4}u + e / 4u][e % 4u] = v;`);
  }
  lines.push('    }');
  return lines.join('\n');
}

/** Params of the simple kernel: m, n, k, batch, then op(A)'s row and depth strides and op(B)'s depth and column strides. */
export const SIMPLE_PARAMS = 8;

/**
 * One invocation per output element, a dot product read straight from global memory: the
 * baseline the tiled kernel must beat. Transposes are strides in the params: one pipeline per type.
 */
export function simpleWgsl(type: Scalar, workgroup: number): string {
  return `${bindings(SIMPLE_PARAMS, [type, type], [type])}
${flatMain(
  workgroup,
  `  let m = prm(0u);
  let n = prm(1u);
  let k = prm(2u);
  if (gid >= prm(3u) * m * n) { return; }
  let b = gid / (m * n);
  let i = (gid / n) % m;
  let j = gid % n;
  var a = b * m * k + i * prm(4u);
  var c = b * k * n + j * prm(7u);
  let da = prm(5u);
  let dc = prm(6u);
  var acc = ${type}(0);
  for (var p = 0u; p < k; p++) {
    acc += in0[a] * in1[c];
    a += da;
    c += dc;
  }
  out0[gid] = acc;`,
)}`;
}

/** Params of the matrix-vector kernel: rows, k, batch, the matrix's row, depth and batch strides, the vector's depth and batch strides. */
export const MATVEC_PARAMS = 8;

export interface MatvecShape {
  type: Scalar;
  workgroup: number;
  /** Invocations per output (a power of two): 1 is a plain loop; more split k and add in a fixed tree. */
  lanes: number;
  /** Which read binding holds the matrix (0: op(A), when n is 1; 1: op(B), when m is 1). */
  matrix: 0 | 1;
}

/**
 * Matrix x vector (n = 1) or vector x matrix (m = 1): `rows` dot products of length k. With
 * lanes = 1, one invocation per output, reading the matrix across outputs (adjacent invocations,
 * adjacent addresses, when the matrix's output axis is contiguous). With more lanes, a slice of
 * the workgroup per output, each lane taking every lanes-th element of k (adjacent lanes,
 * adjacent addresses, when k is contiguous), folded by a fixed tree.
 */
export function matvecWgsl(s: MatvecShape): string {
  const T = s.type;
  const X = `in${s.matrix}`;
  const V = `in${1 - s.matrix}`;
  const perGroup = s.workgroup / s.lanes;
  const lines = [bindings(MATVEC_PARAMS, [T, T], [T])];
  if (s.lanes > 1) lines.push(`var<workgroup> partial: array<${T}, ${s.workgroup}>;`);
  const tree =
    s.lanes > 1
      ? `  partial[lid] = acc;
  for (var s = ${s.lanes / 2}u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lane < s) { partial[lid] = partial[lid] + partial[lid + s]; }
  }
  if (lane == 0u && o < total) { out0[o] = partial[lid]; }`
      : '  if (o < total) { out0[o] = acc; }';
  lines.push(
    flatMain(
      s.workgroup,
      `  let rows = prm(0u);
  let k = prm(1u);
  let total = prm(2u) * rows;
  let lane = lid % ${s.lanes}u;
  let o = group * ${perGroup}u + lid / ${s.lanes}u;
  var acc = ${T}(0);
  if (o < total) {
    let b = o / rows;
    let r = o % rows;
    var x = b * prm(5u) + r * prm(3u) + lane * prm(4u);
    var v = b * prm(7u) + lane * prm(6u);
    let dx = prm(4u) * ${s.lanes}u;
    let dv = prm(6u) * ${s.lanes}u;
    for (var p = lane; p < k; p += ${s.lanes}u) {
      acc += ${X}[x] * ${V}[v];
      x += dx;
      v += dv;
    }
  }
${tree}`,
    ),
  );
  return lines.join('\n');
}
