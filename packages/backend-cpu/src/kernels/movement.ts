import type { IndexCheck, TypedArray } from '@nabla/core';
import { checkIndices, sizeOf, stridesOf } from '@nabla/core';
import { planWalk } from '../strided.js';

/** Movement kernels: copies between layouts, with offsets planned at compile time. */

export function transposeKernel(shape: readonly number[], perm: readonly number[]) {
  const strides = stridesOf(shape);
  const walk = planWalk(
    perm.map((p) => shape[p]),
    [perm.map((p) => strides[p])],
  );
  const offs = walk.rowOffsets[0];
  const step = walk.innerStrides[0];
  const { rows, inner } = walk;
  return (ins: TypedArray[], out: TypedArray) => {
    const x = ins[0];
    if (out.length === 0) return;
    let p = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0, i = offs[r]; j < inner; j++, i += step) out[p++] = x[i];
    }
  };
}

/** Copies a block of `size` at `begin`: each innermost run is one subarray copy. */
export function sliceKernel(shape: readonly number[], begin: readonly number[], size: readonly number[]) {
  const strides = stridesOf(shape);
  const base = begin.reduce((acc, b, i) => acc + b * strides[i], 0);
  const walk = planWalk(size, [[...strides]]);
  const offs = walk.rowOffsets[0];
  const { rows, inner } = walk;
  const contiguous = walk.innerStrides[0] === 1 || inner === 1;
  const step = walk.innerStrides[0];
  return (ins: TypedArray[], out: TypedArray) => {
    const x = ins[0];
    if (out.length === 0) return;
    for (let r = 0; r < rows; r++) {
      const from = base + offs[r];
      if (contiguous) out.set(x.subarray(from, from + inner), r * inner);
      else for (let j = 0; j < inner; j++) out[r * inner + j] = x[from + j * step];
    }
  };
}

/** Fills with the pad value, then copies the input into its window. */
export function padKernel(shape: readonly number[], pads: readonly (readonly [number, number])[], value: number) {
  const outShape = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const outStrides = stridesOf(outShape);
  const base = pads.reduce((acc, [before], i) => acc + before * outStrides[i], 0);
  const walk = planWalk(shape, [outStrides]);
  const offs = walk.rowOffsets[0];
  const { rows, inner } = walk;
  const step = walk.innerStrides[0];
  return (ins: TypedArray[], out: TypedArray) => {
    const x = ins[0];
    out.fill(value);
    if (x.length === 0) return;
    for (let r = 0; r < rows; r++) {
      const to = base + offs[r];
      for (let j = 0; j < inner; j++) out[to + j * step] = x[r * inner + j];
    }
  };
}

/** Each operand contributes one contiguous block per index of the axes before `axis`. */
export function concatKernel(shapes: readonly (readonly number[])[], axis: number) {
  const outer = shapes[0].slice(0, axis).reduce((a, b) => a * b, 1);
  const blocks = shapes.map((s) => s.slice(axis).reduce((a, b) => a * b, 1));
  const total = blocks.reduce((a, b) => a + b, 0);
  return (ins: TypedArray[], out: TypedArray) => {
    let offset = 0;
    ins.forEach((x, k) => {
      const block = blocks[k];
      for (let o = 0; o < outer; o++) out.set(x.subarray(o * block, (o + 1) * block), o * total + offset);
      offset += block;
    });
  };
}

/**
 * out[o, j, :] = x[o, indices[j], :] with o over the axes before `axis`. Every index is checked
 * first, as on every backend: one outside its range is an error worded by `check`.
 */
export function gatherKernel(shape: readonly number[], axis: number, indicesShape: readonly number[], check: IndexCheck) {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis];
  const numIndices = sizeOf(indicesShape);
  return (ins: TypedArray[], out: TypedArray) => {
    const [x, idx] = ins;
    checkIndices(check, idx, n, indicesShape);
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < numIndices; j++) {
        const from = (o * n + idx[j]) * inner;
        out.set(x.subarray(from, from + inner), p);
        p += inner;
      }
    }
  };
}

/** The adjoint of gather: out[o, indices[j], :] += updates[o, j, :]; indices checked as gather's. */
export function scatterAddKernel(shape: readonly number[], axis: number, indicesShape: readonly number[], check: IndexCheck) {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis];
  const numIndices = sizeOf(indicesShape);
  return (ins: TypedArray[], out: TypedArray) => {
    const [upd, idx] = ins;
    checkIndices(check, idx, n, indicesShape);
    out.fill(0);
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < numIndices; j++) {
        const to = (o * n + idx[j]) * inner;
        for (let i = 0; i < inner; i++) out[to + i] += upd[p++];
      }
    }
  };
}
