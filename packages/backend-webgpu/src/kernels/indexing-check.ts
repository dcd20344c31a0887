import type { IndexCheck } from '@nabla/core';
import { bindings, flatMain, groupsFor, ParamWriter } from '../wgsl/prelude.js';
import type { KernelContext, Pass, Ref } from './kernel.js';

/**
 * The index check shared by gather and scatterAdd (see NodeKernel.checks): a pass over the
 * indices that keeps the first bad position with atomicMax on 0xffffffff - position, then a
 * one-invocation pass that copies the index found there into word 1. Bad means outside [0, n),
 * or with `block`, outside index j's block [j*block, (j+1)*block) (firstBadIndex in core).
 *
 * With `counts`, the first pass also counts the in-range indices per row (atomicAdd, an integer
 * and so order-free), for scatterAdd's grouping of indices by row.
 */
export function indexCheckPasses(
  ctx: KernelContext,
  opts: { indices: Ref; count: number; n: number; check: IndexCheck; temp: Ref; counts?: Ref },
): Pass[] {
  const { indices, count, n, check, temp, counts } = opts;
  const p = new ParamWriter();
  p.u32(count);
  p.u32(n);
  p.u32(check.block ?? 0);
  p.u32(check.block === undefined ? 0 : 1);
  const wg = ctx.limits.maxInvocations;
  // In u32, k - j*block wraps below the block's start, so one comparison tests both ends
  // (j*block + block <= n < 2^31: core checks that the blocks fit the axis).
  const scan = `${bindings(p.length, ['i32'], counts ? ['atomic<u32>', 'atomic<u32>'] : ['atomic<u32>'])}
${flatMain(
  wg,
  `  if (gid >= prm(0u)) { return; }
  let k = in0[gid];
  let inRange = k >= 0 && u32(k) < prm(1u);
  var ok = inRange;
  if (prm(3u) != 0u) { ok = ok && u32(k) - gid * prm(2u) < prm(2u); }
  if (!ok) { atomicMax(&out0[0], 0xffffffffu - gid); }
${counts ? `  if (inRange) { atomicAdd(&out1[u32(k)], 1u); }` : ''}`,
)}`;
  const report = `${bindings(4, ['i32'], ['u32'])}
${flatMain(1, '  let w = out0[0];\n  if (w != 0u) { out0[1] = bitcast<u32>(in0[0xffffffffu - w]); }')}`;
  return [
    { wgsl: scan, params: p.finish(), reads: [indices], writes: counts ? [temp, counts] : [temp], workgroups: groupsFor(count, wg) },
    { wgsl: report, params: new Uint32Array(4), reads: [indices], writes: [temp], workgroups: 1 },
  ];
}
