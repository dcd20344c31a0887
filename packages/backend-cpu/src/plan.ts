import {
  allocate,
  type Graph,
  type GraphNode,
  graphValue,
  matmulDims,
  NablaError,
  philoxUniform,
  sizeOf,
  type TypedArray,
} from '@nabla/core';

import { binaryExpr, COPY_EXPR, castExpr, elementwiseKernel, unaryExpr, WHERE_EXPR } from './kernels/elementwise.js';
import { matmulKernel } from './kernels/matmul.js';
import { concatKernel, gatherKernel, padKernel, scatterAddKernel, sliceKernel, transposeKernel } from './kernels/movement.js';
import { argMaxKernel, reduceKernel } from './kernels/reduce.js';

/**
 * A compiled graph: one kernel per node, with its shapes baked in, and a buffer plan. Values
 * that die inside the graph share scratch buffers kept by the plan across runs; each output gets
 * a fresh array (it becomes a tensor's storage). A reshape that is not an output reuses its
 * operand's array instead of copying.
 */
export type Kernel = (ins: TypedArray[], out: TypedArray) => void;
/** Builds a node's kernel; `defaultKernel` is the backend's own, for overrides that wrap it. */
export type KernelFactory = (node: GraphNode, graph: Graph, defaultKernel: () => Kernel) => Kernel;
export type KernelOverrides = Partial<Record<GraphNode['op'], KernelFactory>>;

interface Step {
  kernel: Kernel | null; // null: alias of its operand (reshape)
  inputs: number[];
  out: number;
  /** Index into the plan's scratch pool, or -1 for an output that gets a fresh array. */
  slot: number;
}

export interface Plan {
  graph: Graph;
  steps: Step[];
  scratch: TypedArray[];
}

function kernelFor(node: GraphNode, graph: Graph): Kernel {
  const shapeOf = (id: number) => graphValue(graph, id).shape;
  const dtypeOf = (id: number) => graphValue(graph, id).dtype;
  const inShapes = node.inputs.map(shapeOf);
  switch (node.op) {
    case 'unary':
      return elementwiseKernel(unaryExpr(node.attrs.fn), inShapes, node.shape);
    case 'binary':
      return elementwiseKernel(binaryExpr(node.attrs.fn, dtypeOf(node.inputs[0])), inShapes, node.shape);
    case 'where':
      return elementwiseKernel(WHERE_EXPR, inShapes, node.shape);
    case 'cast':
      return elementwiseKernel(castExpr(dtypeOf(node.inputs[0]), node.dtype), inShapes, node.shape);
    case 'expand':
    case 'reshape':
      return elementwiseKernel(COPY_EXPR, [node.op === 'reshape' ? node.shape : inShapes[0]], node.shape);
    case 'reduce':
      return reduceKernel(node.attrs.fn, inShapes[0], node.attrs.axes, node.dtype);
    case 'argMax':
      return argMaxKernel(inShapes[0], node.attrs.axis);
    case 'matmul': {
      const { batch, m, n, k } = matmulDims(graph, node);
      const { transposeA, transposeB } = node.attrs;
      return (ins, out) =>
        matmulKernel(ins[0] as Float32Array, ins[1] as Float32Array, out as Float32Array, batch, m, n, k, transposeA, transposeB);
    }
    case 'transpose':
      return transposeKernel(inShapes[0], node.attrs.perm);
    case 'slice':
      return sliceKernel(inShapes[0], node.attrs.begin, node.attrs.size);
    case 'pad':
      return padKernel(inShapes[0], node.attrs.pads, node.attrs.value);
    case 'concat':
      return concatKernel(inShapes, node.attrs.axis);
    case 'gather':
      return gatherKernel(inShapes[0], node.attrs.axis, inShapes[1], node.attrs.check);
    case 'scatterAdd':
      return scatterAddKernel(node.attrs.shape, node.attrs.axis, inShapes[1], node.attrs.check);
    case 'random': {
      const size = sizeOf(node.attrs.shape);
      return (ins, out) => out.set(philoxUniform(size, [ins[0][0], ins[0][1]], [ins[0][2], ins[0][3]]));
    }
    default:
      return noKernel(node);
  }
}

/**
 * Every primitive has a case above: `node` is `never` here, so a primitive added to core
 * without a kernel fails to compile. A malformed graph from JavaScript still gets an error.
 */
function noKernel(node: never): never {
  throw new NablaError(`cpu: no kernel for primitive '${(node as GraphNode).op}'`);
}

export function compilePlan(graph: Graph, overrides: KernelOverrides = {}): Plan {
  const nIn = graph.inputs.length;
  const outputs = new Set(graph.outputs);
  // A value's array lives until the last step that reads it, through aliases.
  const root = new Map<number, number>();
  const rootOf = (id: number) => root.get(id) ?? id;
  const lastUse = new Map<number, number>();
  const steps: Step[] = graph.nodes.map((node, k) => {
    const out = nIn + k;
    const alias = node.op === 'reshape' && !outputs.has(out);
    if (alias) root.set(out, rootOf(node.inputs[0]));
    for (const i of node.inputs) lastUse.set(rootOf(i), k);
    const override = overrides[node.op];
    const kernel = alias ? null : override ? override(node, graph, () => kernelFor(node, graph)) : kernelFor(node, graph);
    return { kernel, inputs: node.inputs, out, slot: -1 };
  });
  for (const id of graph.outputs) lastUse.set(rootOf(id), Number.POSITIVE_INFINITY);

  // Scratch slots: reuse an array of the same dtype and size once its value is dead.
  const free = new Map<string, number[]>();
  const slotKinds: { dtype: GraphNode['dtype']; size: number; label: string; shape: readonly number[] }[] = [];
  const slotOf = new Map<number, number>();
  steps.forEach((step, k) => {
    const node = graph.nodes[k];
    if (step.kernel && !outputs.has(step.out)) {
      const kind = `${node.dtype}:${sizeOf(node.shape)}`;
      const reuse = free.get(kind)?.pop();
      const slot =
        reuse ?? slotKinds.push({ dtype: node.dtype, size: sizeOf(node.shape), label: node.label ?? node.op, shape: node.shape }) - 1;
      step.slot = slot;
      slotOf.set(step.out, slot);
    }
    // Release values whose last reader is this step (never inputs: those belong to tensors).
    for (const i of new Set(step.inputs.map(rootOf))) {
      if (lastUse.get(i) === k && slotOf.has(i)) {
        const kind = `${graph.nodes[i - nIn].dtype}:${sizeOf(graph.nodes[i - nIn].shape)}`;
        let list = free.get(kind);
        if (!list) free.set(kind, (list = []));
        list.push(slotOf.get(i) as number);
      }
    }
  });
  return { graph, steps, scratch: slotKinds.map((s) => allocate(s.dtype, s.size, s.label, s.shape)) };
}

/** The bytes a plan keeps between runs: its scratch buffers. */
export function planBytes(plan: Plan): number {
  let bytes = 0;
  for (const a of plan.scratch) bytes += a.byteLength;
  return bytes;
}

export function runPlan(plan: Plan, inputs: TypedArray[]): TypedArray[] {
  const { graph, steps, scratch } = plan;
  const values: TypedArray[] = new Array(graph.inputs.length + graph.nodes.length);
  for (let i = 0; i < inputs.length; i++) values[i] = inputs[i];
  const ins: TypedArray[] = [];
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    const node = graph.nodes[k];
    if (!step.kernel) {
      values[step.out] = values[step.inputs[0]];
      continue;
    }
    const out = step.slot >= 0 ? scratch[step.slot] : allocate(node.dtype, sizeOf(node.shape), node.label ?? node.op, node.shape);
    ins.length = step.inputs.length;
    for (let j = 0; j < ins.length; j++) ins[j] = values[step.inputs[j]];
    step.kernel(ins, out);
    values[step.out] = out;
  }
  // Outputs must be arrays of their own: an output that is a graph input (or aliases a
  // scratch buffer) is copied.
  const handedOut = new Set<TypedArray>();
  return graph.outputs.map((id) => {
    const v = values[id];
    const owned = id >= graph.inputs.length && steps[id - graph.inputs.length].slot < 0 && !handedOut.has(v);
    handedOut.add(v);
    return owned ? v : (v.slice() as TypedArray);
  });
}
