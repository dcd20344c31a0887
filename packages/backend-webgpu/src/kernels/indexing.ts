import { NablaError, sizeOf } from '@nabla/core';
import { bindings, flatMain, groupsFor, ParamWriter, scalarOf } from '../wgsl/prelude.js';
import { indexCheckPasses } from './indexing-check.js';
import type { KernelContext, NodeKernel, Pass, Ref } from './kernel.js';
import { fillPass } from './movement.js';

/**
 * gather and scatterAdd over x viewed as [outer, n, inner] (the axes before, at and after `axis`)
 * and the indices viewed flat. Indices are checked on the GPU (indexing-check.ts) and an
 * out-of-range one is never used to address memory: gather writes 0 for it and scatterAdd skips
 * it; the run then fails with core's indexError, which the backend raises from the check temp.
 */

const CHECK_TEMP = 0;

/** out[o, j, i] = x[o, indices[j], i]: one invocation per output element, moving 32-bit words. */
export function gatherKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'gather') throw new NablaError(`webgpu: gatherKernel got ${ctx.node.op}`);
  const { axis, check } = ctx.node.attrs;
  const [xId, indicesId] = ctx.node.inputs;
  const shape = ctx.shapeOf(xId);
  const indicesShape = ctx.shapeOf(indicesId);
  const count = sizeOf(indicesShape);
  if (count === 0) return { passes: [] };
  const n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const size = sizeOf(ctx.node.shape);
  const passes = indexCheckPasses(ctx, { indices: { value: indicesId }, count, n, check, temp: { temp: CHECK_TEMP } });
  // An empty x (n = 0) has no element to read: every index is bad and the run fails.
  if (size > 0 && n > 0) {
    const p = new ParamWriter();
    p.u32(size);
    p.u32(n);
    p.u32(count);
    p.u32(inner);
    const wg = ctx.limits.maxInvocations;
    const wgsl = `${bindings(p.length, ['u32', 'i32'], ['u32'])}
${flatMain(
  wg,
  `  if (gid >= prm(0u)) { return; }
  let n = prm(1u);
  let inner = prm(3u);
  let i = gid % inner;
  let t = gid / inner;
  let j = t % prm(2u);
  let o = t / prm(2u);
  let k = in1[j];
  var v = 0u;
  if (k >= 0 && u32(k) < n) { v = in0[(o * n + u32(k)) * inner + i]; }
  out0[gid] = v;`,
)}`;
    passes.push({
      wgsl,
      params: p.finish(),
      reads: [{ value: xId }, { value: indicesId }],
      writes: [{ value: ctx.id }],
      workgroups: groupsFor(size, wg),
    });
  }
  return { passes, temps: [8], zeroTemps: true, checks: [{ temp: CHECK_TEMP, check, indicesShape }] };
}

/**
 * out = zeros(shape); out[o, indices[j], i] += updates[o, j, i], each output element summing its
 * contributions in index order, as the CPU backend does, so float sums are bit-identical and the
 * same every run (no float atomics). The indices are first grouped by row, a stable counting
 * sort: the check pass counts each row's indices (integer atomics), one workgroup turns the
 * counts into row offsets (a prefix sum) and lists each row's index positions in increasing
 * order, then one invocation per output element sums the updates its row's list names. The work
 * is linear: an Embedding gradient (vocab 1000 x dim 64, 4096 indices) reads each update once,
 * and the sort's single workgroup does about (1000 + 4096) / 256 steps.
 */
export function scatterAddKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'scatterAdd') throw new NablaError(`webgpu: scatterAddKernel got ${ctx.node.op}`);
  const { axis, shape, check } = ctx.node.attrs;
  const [updatesId, indicesId] = ctx.node.inputs;
  const dtype = ctx.node.dtype;
  if (dtype === 'bool') throw new NablaError('webgpu: scatterAdd of bool is not supported: it sums; cast to int32 or float32 first');
  const scalar = scalarOf(dtype);
  const indicesShape = ctx.shapeOf(indicesId);
  const count = sizeOf(indicesShape);
  const size = sizeOf(shape);
  if (count === 0) return { passes: size > 0 ? [fillPass(ctx, { value: ctx.id }, size, 0)] : [] };
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const checks = [{ temp: CHECK_TEMP, check, indicesShape }];
  const indices = { value: indicesId };
  // Nothing to write (n = 0 makes every index bad): only the check.
  if (size === 0) {
    return { passes: indexCheckPasses(ctx, { indices, count, n, check, temp: { temp: CHECK_TEMP } }), temps: [8], zeroTemps: true, checks };
  }
  const [cursor, offsets, order] = [{ temp: 1 }, { temp: 2 }, { temp: 3 }];
  const passes: Pass[] = indexCheckPasses(ctx, { indices, count, n, check, temp: { temp: CHECK_TEMP }, counts: cursor });
  passes.push(groupByRowPass(ctx, n, count, cursor, offsets, order));
  const p = new ParamWriter();
  p.u32(size);
  p.u32(n);
  p.u32(count);
  p.u32(inner);
  const wg = ctx.limits.maxInvocations;
  const wgsl = `${bindings(p.length, [scalar, 'u32', 'u32'], [scalar])}
${flatMain(
  wg,
  `  if (gid >= prm(0u)) { return; }
  let inner = prm(3u);
  let i = gid % inner;
  let t = gid / inner;
  let r = t % prm(1u);
  let base = (t / prm(1u)) * prm(2u);
  var acc = ${scalar}(0);
  for (var q = in1[r]; q < in1[r + 1u]; q++) {
    acc = acc + in0[(base + in2[q]) * inner + i];
  }
  out0[gid] = acc;`,
)}`;
  passes.push({
    wgsl,
    params: p.finish(),
    reads: [{ value: updatesId }, offsets, order],
    writes: [{ value: ctx.id }],
    workgroups: groupsFor(outer * n * inner, wg),
  });
  return { passes, temps: [8, 4 * n, 4 * (n + 1), 4 * count], zeroTemps: true, checks };
}

/**
 * One workgroup: an exclusive prefix sum of the per-row counts into `offsets` (n + 1 words),
 * then a stable placement of every in-range index position j into `order`, chunk by chunk in
 * increasing j: a position's slot is its row's cursor plus the number of earlier positions of
 * the chunk with the same row. `cursor` holds the counts on entry and each row's next free slot
 * after. Sequential over chunks, so it is one workgroup; its cost is (n + count) / workgroup size
 * steps, each at most a workgroup-wide scan.
 */
function groupByRowPass(ctx: KernelContext, n: number, count: number, cursor: Ref, offsets: Ref, order: Ref): Pass {
  const wg = ctx.limits.maxInvocations;
  const p = new ParamWriter();
  p.u32(n);
  p.u32(count);
  const NONE = '0xffffffffu';
  const wgsl = `${bindings(p.length, ['i32'], ['u32', 'u32', 'u32'])}
var<workgroup> rows: array<u32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid: u32) {
  let n = prm(0u);
  let count = prm(1u);
  var base = 0u;
  for (var c = 0u; c < n; c += ${wg}u) {
    let r = c + lid;
    var v = 0u;
    if (r < n) { v = out0[r]; }
    rows[lid] = v;
    workgroupBarrier();
    for (var s = 1u; s < ${wg}u; s *= 2u) {
      var t = 0u;
      if (lid >= s) { t = rows[lid - s]; }
      workgroupBarrier();
      rows[lid] += t;
      workgroupBarrier();
    }
    let start = base + rows[lid] - v;
    if (r < n) { out1[r] = start; out0[r] = start; }
    base += rows[${wg - 1}u];
    workgroupBarrier();
  }
  if (lid == 0u) { out1[n] = base; }
  storageBarrier();
  workgroupBarrier();
  for (var c = 0u; c < count; c += ${wg}u) {
    let j = c + lid;
    var row = ${NONE};
    if (j < count) {
      let k = in0[j];
      if (k >= 0 && u32(k) < n) { row = u32(k); }
    }
    rows[lid] = row;
    workgroupBarrier();
    var slot = 0u;
    var last = true;
    if (row != ${NONE}) {
      var rank = 0u;
      for (var q = 0u; q < ${wg}u; q++) {
        if (rows[q] == row) {
          if (q < lid) { rank += 1u; } else if (q > lid) { last = false; }
        }
      }
      slot = out0[row] + rank;
      out2[slot] = j;
    }
    storageBarrier();
    workgroupBarrier();
    if (row != ${NONE} && last) { out0[row] = slot + 1u; }
    storageBarrier();
    workgroupBarrier();
  }
}`;
  return { wgsl, params: p.finish(), reads: [{ value: ctx.node.inputs[1] }], writes: [cursor, offsets, order], workgroups: 1 };
}
