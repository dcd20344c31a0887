import { NablaError, sizeOf, stridesOf } from '@nabla/core';
import { collapseAxes, ParamWriter, scalarOf } from '../wgsl/prelude.js';
import type { KernelContext, NodeKernel, Pass, Ref } from './kernel.js';
import { type ReduceFn, reducePassWgsl } from './reduce-wgsl.js';

/**
 * reduce {sum, max, prod} and argMax: deterministic reductions without atomics (WGSL has no float
 * atomics, and atomics would make the order of a float sum, so its bits, vary from run to run).
 *
 * The kept axes and the reduced axes are each merged where contiguous (collapseAxes), so most
 * reductions are rank 1 x rank 1. Each pass is 'group' (a workgroup per output, when the reduced
 * elements are adjacent in memory and there are enough of them) or 'serial' (an invocation per
 * output, when the kept axes are the adjacent ones, or the reduced axis is short); see
 * reduce-wgsl.ts. When there are too few outputs to fill a GPU and long reduced axes (the sum
 * over 60,000 samples of a 784-wide batch, or of all of a tensor), a first pass splits every
 * output's positions into C chunks of consecutive positions and writes O x C partials, and the
 * next pass reduces those in chunk order: consecutive chunks keep the CPU's first-maximum rule,
 * and the number of chunks depends only on the shape, so the result is still reproducible.
 */

/** Invocations a 'serial' pass aims for before it splits outputs into chunks (a large GPU holds ~100k). */
const TARGET_INVOCATIONS = 65536;
/** Workgroups a 'group' pass aims for. */
const TARGET_WORKGROUPS = 512;
/** The fewest positions a 'serial' chunk folds, so that partials stay few. */
const MIN_SERIAL_CHUNK = 256;
/** The fewest positions per invocation of a 'group' chunk. */
const MIN_GROUP_LANE = 16;
/** Below this many contiguous positions per output, a workgroup per output idles most lanes. */
const MIN_GROUP_POSITIONS = 128;

/** A strided view to reduce: `kept` axes (the outputs, in order) and `reduced` axes. */
interface View {
  kept: { dims: number[]; strides: number[] };
  reduced: { dims: number[]; strides: number[] };
}

/** Where a pass reads from and writes to, and in what form. */
interface Stage {
  values: Ref;
  /** argMax's later passes: each partial's position along the original axis. */
  positions?: Ref;
}

export function reduceKernel(ctx: KernelContext): NodeKernel {
  const node = ctx.node;
  if (node.op !== 'reduce') throw new NablaError(`webgpu: reduceKernel got ${node.op}`);
  const { fn, axes } = node.attrs;
  if (fn !== 'sum' && fn !== 'prod' && fn !== 'max') throw new NablaError(`webgpu: no kernel for reduction '${fn as string}'`);
  return buildReduction(ctx, fn, axes);
}

export function argMaxKernel(ctx: KernelContext): NodeKernel {
  const node = ctx.node;
  if (node.op !== 'argMax') throw new NablaError(`webgpu: argMaxKernel got ${node.op}`);
  return buildReduction(ctx, 'argMax', [node.attrs.axis]);
}

function buildReduction(ctx: KernelContext, fn: ReduceFn, axes: readonly number[]): NodeKernel {
  const input = ctx.node.inputs[0];
  const dtype = ctx.dtypeOf(input);
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new NablaError(`webgpu: ${ctx.node.label ?? ctx.node.op} expects float32 or int32, got ${dtype}`);
  }
  const shape = ctx.shapeOf(input);
  const outputs = sizeOf(ctx.node.shape);
  if (outputs === 0) return { passes: [] };
  const passes: Pass[] = [];
  const temps: number[] = [];
  const view = viewOf(shape, axes);
  let stage: Stage = { values: { value: input } };
  let current = view;
  // Each round reduces positions by a factor of at least MIN_SERIAL_CHUNK or MIN_GROUP_LANE * W,
  // so there are few rounds (two for any tensor a device can hold, in practice).
  for (;;) {
    const positions = sizeOf(current.reduced.dims);
    const plan = planPass(current, outputs, positions, ctx.limits.maxInvocations);
    const last = plan.chunks === 1;
    let next: Stage;
    if (last) next = { values: { value: ctx.id } };
    else {
      const words = outputs * plan.chunks;
      next = { values: { temp: temps.push(words * 4) - 1 } };
      if (fn === 'argMax') next.positions = { temp: temps.push(words * 4) - 1 };
    }
    // Partials of output o, chunk c go to o * C + c ('group') or c * O + o ('serial'): in both,
    // adjacent invocations write adjacent words.
    const [outputStride, chunkStride] = plan.scheme === 'group' ? [plan.chunks, 1] : [1, outputs];
    const p = new ParamWriter();
    p.u32(outputs);
    p.u32(positions);
    p.u32(plan.chunks);
    p.u32(plan.chunkLength);
    p.u32(last ? 1 : outputStride);
    p.u32(last ? 0 : chunkStride);
    p.u32(identityBits(fn, dtype));
    p.list(current.kept.dims);
    p.list(current.kept.strides);
    p.list(current.reduced.dims);
    p.list(current.reduced.strides);
    const wgsl = reducePassWgsl({
      fn,
      type: scalarOf(dtype),
      scheme: plan.scheme,
      workgroup: plan.workgroup,
      keptRank: current.kept.dims.length,
      reducedRank: current.reduced.dims.length,
      positionsIn: stage.positions !== undefined,
      writes: fn !== 'argMax' ? 'values' : last ? 'positions' : 'both',
    });
    const tasks = outputs * plan.chunks;
    passes.push({
      wgsl,
      params: p.finish(),
      reads: stage.positions ? [stage.values, stage.positions] : [stage.values],
      writes: next.positions ? [next.values, next.positions] : [next.values],
      workgroups: plan.scheme === 'group' ? tasks : Math.ceil(tasks / plan.workgroup),
    });
    if (last) break;
    stage = next;
    // The partials as a view: output o's C partials, in chunk order.
    current = {
      kept: outputs === 1 ? { dims: [], strides: [] } : { dims: [outputs], strides: [outputStride] },
      reduced: { dims: [plan.chunks], strides: [chunkStride] },
    };
  }
  return temps.length ? { passes, temps } : { passes };
}

/**
 * The result of an empty reduction, as the CPU backend writes it: 0, 1, or -Infinity (which an
 * Int32Array stores as 0; core rejects empty max and argMax, so that is only for agreement).
 */
function identityBits(fn: ReduceFn, dtype: 'float32' | 'int32'): number {
  const value = fn === 'sum' ? 0 : fn === 'prod' ? 1 : Number.NEGATIVE_INFINITY;
  const words = new Uint32Array(1);
  if (dtype === 'float32') new Float32Array(words.buffer)[0] = value;
  else new Int32Array(words.buffer)[0] = value;
  return words[0];
}

/** The input as kept and reduced axes, each merged where contiguous and without size-1 axes. */
function viewOf(shape: readonly number[], axes: readonly number[]): View {
  const strides = stridesOf(shape);
  const pick = (reduced: boolean) => {
    const idx = shape.map((_, i) => i).filter((i) => axes.includes(i) === reduced);
    const c = collapseAxes(
      idx.map((i) => shape[i]),
      [idx.map((i) => strides[i])],
    );
    return { dims: c.shape, strides: c.strides[0] };
  };
  return { kept: pick(false), reduced: pick(true) };
}

interface PassPlan {
  scheme: 'serial' | 'group';
  workgroup: number;
  chunks: number;
  chunkLength: number;
}

/** The largest power of two not above n (n >= 1). */
const floorPow2 = (n: number) => 2 ** Math.floor(Math.log2(n));

function planPass(view: View, outputs: number, positions: number, maxInvocations: number): PassPlan {
  const r = view.reduced;
  const contiguous = r.dims.length > 0 && r.strides[r.dims.length - 1] === 1;
  if (contiguous && positions >= MIN_GROUP_POSITIONS) {
    // A workgroup of 64 is enough for a few thousand positions, and leaves fewer lanes idle.
    const workgroup = Math.min(floorPow2(maxInvocations), positions >= 4096 ? 256 : 64);
    const chunks = chunkCount(positions, workgroup * MIN_GROUP_LANE, Math.ceil(TARGET_WORKGROUPS / outputs));
    return { scheme: 'group', workgroup, ...chunks };
  }
  const workgroup = Math.min(maxInvocations, 256);
  const chunks = chunkCount(positions, MIN_SERIAL_CHUNK, Math.ceil(TARGET_INVOCATIONS / outputs));
  return { scheme: 'serial', workgroup, ...chunks };
}

/**
 * How to split `positions` into chunks of at least `minLength` each, at most `wanted` chunks;
 * none is empty. One chunk (the whole axis) when splitting would not help.
 */
function chunkCount(positions: number, minLength: number, wanted: number): { chunks: number; chunkLength: number } {
  const most = Math.min(wanted, Math.floor(positions / minLength));
  if (most < 2) return { chunks: 1, chunkLength: Math.max(positions, 1) };
  const chunkLength = Math.ceil(positions / most);
  return { chunks: Math.ceil(positions / chunkLength), chunkLength };
}
