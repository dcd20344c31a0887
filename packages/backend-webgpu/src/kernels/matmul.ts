import { matmulDims, NablaError } from '@nabla/core';
import { ParamWriter, scalarOf } from '../wgsl/prelude.js';
import type { KernelBuilder, KernelContext, KernelLimits, NodeKernel } from './kernel.js';
import {
  MATVEC_PARAMS,
  matvecWgsl,
  SIMPLE_PARAMS,
  simpleWgsl,
  TILED_PARAMS,
  type TileShape,
  tileBytes,
  tiledWgsl,
  tileInvocations,
} from './matmul-wgsl.js';

/**
 * matmul: [m, k] x [k, n] or [batch, m, k] x [batch, k, n], either side transposed in place.
 *
 * The kernels (matmul-wgsl.ts), kept apart so that a benchmark can compare them (apps/bench):
 * - 'tiled': 64 x 64 output tiles staged through workgroup memory in steps of 16 of k, 256
 *   invocations each computing 4 x 4 outputs; the batch item is part of the workgroup index.
 * - 'tiled32': 32 x 32 tiles, 64 invocations: less waste at the edges of small matrices, and
 *   more workgroups to fill a GPU with when there are few large tiles.
 * - 'matvec': m or n is 1, a dot product per output, split over lanes when k is contiguous:
 *   a tile would waste 63/64 of its work there.
 * - 'simple': one invocation per output, straight from global memory. The baseline.
 * 'auto' (matmulKernel) picks matvec for vectors, and otherwise the larger tile unless it would
 * leave most of a tile empty or the GPU short of workgroups.
 */
export const matmulVariants = ['auto', 'tiled', 'tiled32', 'matvec', 'simple'] as const;
export type MatmulVariant = (typeof matmulVariants)[number];

const TILES: Record<'tiled' | 'tiled32', TileShape> = {
  tiled: { rows: 64, cols: 64, depth: 16 },
  tiled32: { rows: 32, cols: 32, depth: 16 },
};

/** Workgroups below which 64 x 64 tiles leave a large GPU mostly idle, so 32 x 32 ones are used. */
const FEW_TILES = 64;

export const matmulKernel: KernelBuilder = (ctx) => buildMatmul(ctx, 'auto');

/** The builder for one variant, for benchmarks and tests: throws where the variant cannot apply ('matvec' on a matrix). */
export function matmulKernelWith(variant: MatmulVariant): KernelBuilder {
  if (!matmulVariants.includes(variant))
    throw new NablaError(`webgpu: matmul variant must be one of ${matmulVariants.join(', ')}, got '${variant}'`);
  return (ctx) => buildMatmul(ctx, variant);
}

function buildMatmul(ctx: KernelContext, variant: MatmulVariant): NodeKernel {
  const node = ctx.node;
  if (node.op !== 'matmul') throw new NablaError(`webgpu: matmulKernel got ${node.op}`);
  const dtype = node.dtype;
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new NablaError(`webgpu: ${node.label ?? 'matmul'} expects float32 or int32, got ${dtype}`);
  const dims = matmulDims(ctx.graph, node);
  const { batch, m, n } = dims;
  if (batch * m * n === 0) return { passes: [] };
  const chosen = variant === 'auto' ? chooseVariant(dims, ctx.limits) : variant;
  const job: Job = { ctx, ...dims, ...node.attrs, type: scalarOf(dtype) };
  switch (chosen) {
    case 'tiled':
    case 'tiled32': {
      const tile = TILES[chosen];
      if (tileInvocations(tile) > ctx.limits.maxInvocations || tileBytes(tile) > ctx.limits.maxWorkgroupStorage) {
        throw new NablaError(`webgpu: matmul variant '${chosen}' needs more than this device's workgroup limits`);
      }
      return tiled(job, tile);
    }
    case 'matvec':
      if (m !== 1 && n !== 1) throw new NablaError(`webgpu: matmul variant 'matvec' needs m or n to be 1, got m=${m}, n=${n}`);
      return matvec(job);
    case 'simple':
      return simple(job);
    default:
      throw new NablaError(`webgpu: unknown matmul variant '${chosen as string}'`);
  }
}

function chooseVariant(d: { batch: number; m: number; n: number }, limits: KernelLimits): MatmulVariant {
  if (d.m === 1 || d.n === 1) return 'matvec';
  const fits = (t: TileShape) => tileInvocations(t) <= limits.maxInvocations && tileBytes(t) <= limits.maxWorkgroupStorage;
  if (!fits(TILES.tiled32)) return 'simple';
  if (!fits(TILES.tiled)) return 'tiled32';
  const tiles = d.batch * Math.ceil(d.m / 64) * Math.ceil(d.n / 64);
  return d.m <= 32 || d.n <= 32 || tiles < FEW_TILES ? 'tiled32' : 'tiled';
}

interface Job {
  ctx: KernelContext;
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  type: 'f32' | 'i32' | 'u32';
}

const io = (job: Job) => ({
  reads: [{ value: job.ctx.node.inputs[0] }, { value: job.ctx.node.inputs[1] }],
  writes: [{ value: job.ctx.id }],
});

function tiled(job: Job, tile: TileShape): NodeKernel {
  const { batch, m, n, k, transposeA, transposeB } = job;
  const p = new ParamWriter();
  p.list([m, n, k, batch]);
  if (p.length !== TILED_PARAMS) throw new NablaError('webgpu: matmul params out of step with the shader');
  const wgsl = tiledWgsl({
    type: job.type,
    tile,
    transposeA,
    transposeB,
    // vec4 loads need the contiguous axis (and so every batch item's offset) to be a multiple of
    // 4 long, and a non-empty operand: an empty one's buffer is shorter than one vec4, which
    // WebGPU refuses to bind as array<vec4>.
    vecA: k > 0 && (transposeA ? m : k) % 4 === 0,
    vecB: k > 0 && (transposeB ? k : n) % 4 === 0,
    vecOut: n % 4 === 0,
  });
  const workgroups = batch * Math.ceil(m / tile.rows) * Math.ceil(n / tile.cols);
  return { passes: [{ wgsl, params: p.finish(), ...io(job), workgroups }] };
}

function simple(job: Job): NodeKernel {
  const { batch, m, n, k, transposeA, transposeB } = job;
  const p = new ParamWriter();
  // op(A)(i, p) at i * rowA + p * depthA; op(B)(p, j) at p * depthB + j * colB.
  p.list([m, n, k, batch, transposeA ? 1 : k, transposeA ? m : 1, transposeB ? 1 : n, transposeB ? k : 1]);
  if (p.length !== SIMPLE_PARAMS) throw new NablaError('webgpu: matmul params out of step with the shader');
  const workgroup = job.ctx.limits.maxInvocations;
  const wgsl = simpleWgsl(job.type, workgroup);
  return { passes: [{ wgsl, params: p.finish(), ...io(job), workgroups: Math.ceil((batch * m * n) / workgroup) }] };
}

/** The largest power of two not above n (n >= 1). */
const floorPow2 = (n: number) => 2 ** Math.floor(Math.log2(n));

function matvec(job: Job): NodeKernel {
  const { batch, m, n, k, transposeA, transposeB } = job;
  // n = 1: the matrix is op(A), one output per row i. Otherwise (m = 1) it is op(B), one per column j.
  // The vector (op(B)'s one column, or op(A)'s one row) is contiguous either way.
  const matrix = n === 1 ? 0 : 1;
  const rows = matrix === 0 ? m : n;
  const [rowStride, depthStride] = matrix === 0 ? (transposeA ? [1, m] : [k, 1]) : transposeB ? [k, 1] : [1, n];
  const p = new ParamWriter();
  p.list([rows, k, batch, rowStride, depthStride, rows * k, 1, k]);
  if (p.length !== MATVEC_PARAMS) throw new NablaError('webgpu: matmul params out of step with the shader');
  const workgroup = floorPow2(Math.min(job.ctx.limits.maxInvocations, 256));
  // Lanes split k when it is contiguous in the matrix and long enough to share; with few
  // outputs (a dot product, a short batch of them) the whole workgroup takes one.
  const outputs = batch * rows;
  const lanes = depthStride === 1 && k >= 64 ? (outputs <= 64 ? workgroup : Math.min(32, workgroup)) : 1;
  const wgsl = matvecWgsl({ type: job.type, workgroup, lanes, matrix });
  return { passes: [{ wgsl, params: p.finish(), ...io(job), workgroups: Math.ceil(outputs / (workgroup / lanes)) }] };
}
