import { NablaError, sizeOf } from '@nabla/core';
import { bindings, flatMain, groupsFor, ParamWriter } from '../wgsl/prelude.js';
import type { KernelContext, NodeKernel } from './kernel.js';

/**
 * Philox4x32-10 in WGSL, the same arithmetic as core's random/philox.ts (the reference, checked
 * bit for bit): WGSL has no 64-bit integers, so the high word of each 32x32 product is built
 * from 16-bit halves; the low word is u32 multiplication, which wraps.
 */
const PHILOX_WGSL = `
fn mulhi32(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu;
  let aHi = a >> 16u;
  let bLo = b & 0xffffu;
  let bHi = b >> 16u;
  let lolo = aLo * bLo;
  let mid1 = aHi * bLo;
  let mid2 = aLo * bHi;
  let carry = ((lolo >> 16u) + (mid1 & 0xffffu) + (mid2 & 0xffffu)) >> 16u;
  return aHi * bHi + (mid1 >> 16u) + (mid2 >> 16u) + carry;
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let hi0 = mulhi32(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi32(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}`;

/**
 * Uniform floats in [0, 1): one invocation per Philox block of four elements. The counter
 * operand (key0, key1, offset0, offset1 as int32 bits) is read as u32 words.
 */
export function randomKernel(ctx: KernelContext): NodeKernel {
  if (ctx.node.op !== 'random') throw new NablaError(`webgpu: randomKernel got ${ctx.node.op}`);
  const size = sizeOf(ctx.node.attrs.shape);
  if (size === 0) return { passes: [] };
  const blocks = Math.ceil(size / 4);
  const p = new ParamWriter();
  p.u32(size);
  p.u32(blocks);
  const wg = ctx.limits.maxInvocations;
  const wgsl = `${bindings(p.length, ['u32'], ['f32'])}
${PHILOX_WGSL}
${flatMain(
  wg,
  `  if (gid >= prm(1u)) { return; }
  let words = philox4x32(vec4<u32>(gid, 0u, in0[2], in0[3]), vec2<u32>(in0[0], in0[1]));
  let size = prm(0u);
  for (var j = 0u; j < 4u; j++) {
    let i = gid * 4u + j;
    // (word >>> 8) * 2^-24: both factors exact in f32, so the product is too.
    if (i < size) { out0[i] = f32(words[j] >> 8u) * 5.9604644775390625e-8; }
  }`,
)}`;
  return {
    passes: [
      { wgsl, params: p.finish(), reads: [{ value: ctx.node.inputs[0] }], writes: [{ value: ctx.id }], workgroups: groupsFor(blocks, wg) },
    ],
  };
}
