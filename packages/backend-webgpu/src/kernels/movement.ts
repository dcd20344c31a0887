import { NablaError, sizeOf, stridesOf } from '@nabla/core';
import { bindings, collapseAxes, flatMain, groupsFor, offsetsCode, ParamWriter } from '../wgsl/prelude.js';
import type { KernelContext, NodeKernel, Pass, Ref } from './kernel.js';

/**
 * Movement kernels: one invocation per output element, reading the input at offsets computed
 * from params. They move 32-bit words whatever the dtype (float32, int32 and bool are all one
 * word here), so one pipeline serves every dtype and no float is ever reinterpreted: NaN
 * payloads and subnormals pass through as the CPU backend keeps them.
 */

/** out0[gid] = in0[base + offsets of gid over `dims` with `strides`]: transpose and slice. */
function stridedCopy(ctx: KernelContext, dims: readonly number[], strides: readonly number[], base: number): NodeKernel {
  const n = sizeOf(dims);
  if (n === 0) return { passes: [] };
  const c = collapseAxes(dims, [strides]);
  const rank = c.shape.length;
  const p = new ParamWriter();
  p.u32(n);
  p.u32(base);
  const dimsAt = p.list(c.shape);
  const stridesAt = p.list(c.strides[0]);
  const wg = ctx.limits.maxInvocations;
  const wgsl = `${bindings(p.length, ['u32'], ['u32'])}
${flatMain(
  wg,
  `  if (gid >= prm(0u)) { return; }
${offsetsCode('gid', rank, 1, dimsAt, stridesAt)}
  out0[gid] = in0[prm(1u) + off0];`,
)}`;
  return {
    passes: [
      { wgsl, params: p.finish(), reads: [{ value: ctx.node.inputs[0] }], writes: [{ value: ctx.id }], workgroups: groupsFor(n, wg) },
    ],
  };
}

/** A pass that sets every word of `target` (`n` words) to `word`: pad of an empty input, zeros. */
export function fillPass(ctx: KernelContext, target: Ref, n: number, word: number): Pass {
  const p = new ParamWriter();
  p.u32(n);
  p.u32(word);
  const wg = ctx.limits.maxInvocations;
  const wgsl = `${bindings(p.length, [], ['u32'])}
${flatMain(wg, '  if (gid < prm(0u)) { out0[gid] = prm(1u); }')}`;
  return { wgsl, params: p.finish(), reads: [], writes: [target], workgroups: groupsFor(n, wg) };
}

export function transposeKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'transpose') throw new NablaError(`webgpu: transposeKernel got ${ctx.node.op}`);
  const shape = ctx.shapeOf(ctx.node.inputs[0]);
  const { perm } = ctx.node.attrs;
  const strides = stridesOf(shape);
  return stridedCopy(
    ctx,
    perm.map((a) => shape[a]),
    perm.map((a) => strides[a]),
    0,
  );
}

export function sliceKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'slice') throw new NablaError(`webgpu: sliceKernel got ${ctx.node.op}`);
  const strides = stridesOf(ctx.shapeOf(ctx.node.inputs[0]));
  const { begin, size } = ctx.node.attrs;
  const base = begin.reduce((acc, b, i) => acc + b * strides[i], 0);
  return stridedCopy(ctx, size, strides, base);
}

/** The pad value as the word the CPU backend's typed array would hold (its `fill` conversion). */
function padWord(value: number, dtype: string): number {
  switch (dtype) {
    case 'float32': {
      const bits = new Uint32Array(new Float32Array([value]).buffer);
      return bits[0];
    }
    case 'int32':
      return (value | 0) >>> 0;
    case 'bool':
      // A Uint8Array's fill (ToUint8), then bool's 0/1.
      return (value & 0xff) !== 0 ? 1 : 0;
    default:
      throw new NablaError(`webgpu: pad of dtype ${dtype} is not supported`);
  }
}

/**
 * Per output element: inside the input's window it copies, elsewhere it writes the pad value.
 * Axes without padding merge into the axis before them (a padded [rows, cols] image with
 * unpadded channels is rank 2), and unpadded size-1 axes drop.
 */
export function padKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'pad') throw new NablaError(`webgpu: padKernel got ${ctx.node.op}`);
  const shape = ctx.shapeOf(ctx.node.inputs[0]);
  const { pads, value } = ctx.node.attrs;
  const word = padWord(value, ctx.node.dtype);
  const n = sizeOf(ctx.node.shape);
  if (n === 0) return { passes: [] };
  if (sizeOf(shape) === 0) return { passes: [fillPass(ctx, { value: ctx.id }, n, word)] };
  // Axes as [input dim, before, after], merged; the input is contiguous, so strides follow.
  const axes: [number, number, number][] = [];
  shape.forEach((d, i) => {
    const [before, after] = pads[i];
    const last = axes[axes.length - 1];
    if (before === 0 && after === 0) {
      if (d === 1) return;
      if (last) {
        last[0] *= d;
        last[1] *= d;
        last[2] *= d;
        return;
      }
    }
    axes.push([d, before, after]);
  });
  const rank = axes.length;
  const inStrides = stridesOf(axes.map((a) => a[0]));
  const p = new ParamWriter();
  p.u32(n);
  p.u32(word);
  const dimsAt = p.list(axes.map(([d, b, a]) => d + b + a));
  const beforeAt = p.list(axes.map((a) => a[1]));
  const inDimsAt = p.list(axes.map((a) => a[0]));
  const stridesAt = p.list(inStrides);
  const lines: string[] = ['  if (gid >= prm(0u)) { return; }', '  var rem = gid;', '  var off = 0u;', '  var inside = true;'];
  for (let d = rank - 1; d >= 0; d--) {
    // u32 wraps below `before`, so one comparison tests both ends of the window.
    lines.push(
      `  { let n = prm(${dimsAt + d}u); let k = rem % n - prm(${beforeAt + d}u); rem = rem / n;`,
      `    inside = inside && k < prm(${inDimsAt + d}u); off += k * prm(${stridesAt + d}u); }`,
    );
  }
  lines.push('  var v = prm(1u);', '  if (inside) { v = in0[off]; }', '  out0[gid] = v;');
  const wg = ctx.limits.maxInvocations;
  const wgsl = `${bindings(p.length, ['u32'], ['u32'])}
${flatMain(wg, lines.join('\n'))}`;
  return {
    passes: [
      { wgsl, params: p.finish(), reads: [{ value: ctx.node.inputs[0] }], writes: [{ value: ctx.id }], workgroups: groupsFor(n, wg) },
    ],
  };
}

/**
 * Each output row (the axes before `axis`) is the operands' blocks side by side. Operands go in
 * groups of at most maxStorageBuffers - 1 (one binding is the output), one pass per group; each
 * group's blocks are adjacent in every row, so a pass writes one contiguous span per row and the
 * passes write disjoint regions. Empty operands take no binding.
 */
export function concatKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'concat') throw new NablaError(`webgpu: concatKernel got ${ctx.node.op}`);
  const { axis } = ctx.node.attrs;
  const outer = sizeOf(ctx.node.shape.slice(0, axis));
  const total = sizeOf(ctx.node.shape.slice(axis));
  if (outer === 0 || total === 0) return { passes: [] };
  const operands = ctx.node.inputs.map((id) => ({ id, block: sizeOf(ctx.shapeOf(id).slice(axis)), start: 0 }));
  let start = 0;
  for (const o of operands) {
    o.start = start;
    start += o.block;
  }
  const nonEmpty = operands.filter((o) => o.block > 0);
  const perPass = ctx.limits.maxStorageBuffers - 1;
  if (perPass < 1) throw new NablaError(`webgpu: concat needs 2 storage buffers per stage; the device has ${ctx.limits.maxStorageBuffers}`);
  const wg = ctx.limits.maxInvocations;
  const passes: Pass[] = [];
  for (let g = 0; g < nonEmpty.length; g += perPass) {
    const group = nonEmpty.slice(g, g + perPass);
    const width = group.reduce((s, o) => s + o.block, 0);
    const p = new ParamWriter();
    p.u32(outer * width);
    p.u32(width);
    p.u32(total);
    p.u32(group[0].start);
    const blocksAt = p.list(group.map((o) => o.block));
    // Where each operand's block starts inside the group's span.
    const startsAt = p.list(group.map((o) => o.start - group[0].start));
    const branches = group.map((_, k) => {
      const read = `out0[dst] = in${k}[o * prm(${blocksAt + k}u) + j - prm(${startsAt + k}u)];`;
      return k === group.length - 1 ? `{ ${read} }` : `if (j < prm(${startsAt + k + 1}u)) { ${read} }`;
    });
    const wgsl = `${bindings(
      p.length,
      group.map(() => 'u32'),
      ['u32'],
    )}
${flatMain(
  wg,
  `  if (gid >= prm(0u)) { return; }
  let o = gid / prm(1u);
  let j = gid % prm(1u);
  let dst = o * prm(2u) + prm(3u) + j;
  ${branches.join(' else ')}`,
)}`;
    passes.push({
      wgsl,
      params: p.finish(),
      reads: group.map((o) => ({ value: o.id })),
      writes: [{ value: ctx.id }],
      workgroups: groupsFor(outer * width, wg),
    });
  }
  return { passes };
}
