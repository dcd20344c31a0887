import {
  type DType,
  firstBadIndex,
  type Graph,
  type GraphNode,
  graphValue,
  indexError,
  type NablaError,
  sizeOf,
  type TypedArray,
} from '@nabla/core';
import type { Known } from './fold.js';
import type { OnnxGraphBuilder } from './onnx/builder.js';
import { PACK_LIMIT } from './packing.js';

/**
 * Index checks for gather and scatterAdd (the rule: IndexCheck in @nabla/core's primitives).
 *
 * onnxruntime cannot throw from inside a graph, and its Gather wraps negative indices. So every
 * checked index operand adds two small reductions to the model, its smallest and largest index
 * (relative to its row, for a row-block check), which leave the session with the graph's other
 * small outputs, packed (a float32 training step gains two elements in its one packed output,
 * not an output). After each run the backend compares them with the range: one comparison per
 * check on the host. Only when one is out of range (or when onnxruntime itself fails) does the
 * backend compute the index operands again, read them, and report the first bad index exactly as
 * the CPU kernels do (`diagnose`). Operands read twice (a gather and its gradient's scatterAdd;
 * the batch gather of x and y in a training step) are checked once; indices known while lowering
 * (nb.jit's captured constants) are checked then, at no cost per run.
 */

/** One checked index operand: where its extremes come back, and the range they must lie in. */
export interface CheckedIndices {
  /** Output positions (in the lowered graph's extra outputs) of its minimum and maximum. */
  min: number;
  max: number;
  /** Indices must lie in [0, size): the axis size, or the row block, rounded as the extremes are. */
  size: number;
}

export interface IndexChecks {
  checks: CheckedIndices[];
  /** The values to return: minimum and maximum of each check, in the dtype chosen for packing. */
  values: { value: string; dtype: DType; shape: number[] }[];
  /** A constant index operand that is out of range: the error every run raises. */
  error?: NablaError;
}

type IndexNode = Extract<GraphNode, { op: 'gather' | 'scatterAdd' }>;

const isIndexNode = (node: GraphNode): node is IndexNode => node.op === 'gather' || node.op === 'scatterAdd';

/** The size of the axis a gather or scatterAdd indexes. */
function axisSize(graph: Graph, node: IndexNode): number {
  return node.op === 'gather' ? graphValue(graph, node.inputs[0]).shape[node.attrs.axis] : node.attrs.shape[node.attrs.axis];
}

/**
 * The dtype the extremes come back in: that of the graph's other small outputs, so that they
 * join a packed output instead of adding one. int32 is exact; float64 holds every int32; in
 * float32 an index keeps its sign, and the maximum is compared with the size rounded the same
 * way: rounding is monotonic, so max >= n gives fl(max) >= fl(n) and no bad index passes; above
 * 2^24 a good one may raise a false alarm, which `diagnose` settles from the exact indices.
 */
function checkDtype(graph: Graph): DType {
  const dtypes = new Set<DType>();
  for (const id of graph.outputs) {
    const v = graphValue(graph, id);
    const size = sizeOf(v.shape);
    if (size > 0 && size <= PACK_LIMIT) dtypes.add(v.dtype);
  }
  for (const d of ['int32', 'float64', 'float32'] as const) if (dtypes.has(d)) return d;
  return 'int32';
}

/** Collects the index checks of a graph while it is lowered (see lowerGraph). */
export class IndexCheckBuilder {
  private readonly seen = new Set<string>();
  private readonly result: IndexChecks = { checks: [], values: [] };
  private readonly dtype: DType;

  constructor(
    private readonly b: OnnxGraphBuilder,
    private readonly graph: Graph,
  ) {
    this.dtype = checkDtype(graph);
  }

  /** Checks node's indices: `value` is their ONNX value, `shape` its ONNX shape, `known` their data if constant. */
  add(node: GraphNode, value: string, shape: number[], known: Known | undefined): void {
    if (!isIndexNode(node)) return;
    const indicesShape = graphValue(this.graph, node.inputs[1]).shape;
    const k = sizeOf(indicesShape);
    const n = axisSize(this.graph, node);
    const { block } = node.attrs.check;
    const key = `${value}|${n}|${block}`;
    if (k === 0 || this.seen.has(key)) return;
    this.seen.add(key);
    if (known) {
      const j = firstBadIndex(known.data, n, block);
      if (j >= 0) this.result.error ??= indexError(node.attrs.check, known.data, j, indicesShape);
      return;
    }
    const { b } = this;
    let rel = value;
    if (block !== undefined) {
      // Each index relative to the start of its row: index j - j*block must lie in [0, block).
      const starts = Int32Array.from({ length: k }, (_, j) => j * block);
      rel = b.op('Sub', [value, b.constant({ type: 'int32', shape, data: starts })]);
    }
    // In the dtype of the packed output they join: one Cast of the indices, then two reductions.
    if (this.dtype !== 'int32') rel = b.cast(rel, this.dtype);
    const ones = shape.map(() => 1);
    const extreme = (op: string) => b.op(op, [rel], { keepdims: { int: 1 } });
    const at = this.result.values.length;
    this.result.values.push({ value: extreme('ReduceMin'), dtype: this.dtype, shape: ones });
    this.result.values.push({ value: extreme('ReduceMax'), dtype: this.dtype, shape: ones });
    const size = block ?? n;
    this.result.checks.push({ min: at, max: at + 1, size: this.dtype === 'float32' ? Math.fround(size) : size });
  }

  finish(): IndexChecks {
    return this.result;
  }
}

/** Whether any check's extremes lie outside its range; `read(i)` is extra output i's one element. */
export function outOfRange(checks: readonly CheckedIndices[], read: (i: number) => number): boolean {
  for (const c of checks) {
    if (!(read(c.min) >= 0 && read(c.max) < c.size)) return true;
  }
  return false;
}

/** The graph that computes the index operands of every gather and scatterAdd, in node order. */
export function indicesGraph(graph: Graph): Graph | undefined {
  const ids = graph.nodes.filter(isIndexNode).map((node) => node.inputs[1]);
  return ids.length === 0 ? undefined : { inputs: graph.inputs, nodes: graph.nodes, outputs: ids };
}

/**
 * The error for the first bad index, in node order, given the data of indicesGraph's outputs;
 * undefined when every index is in range (a float32 false alarm, or a failure of another cause).
 */
export function diagnose(graph: Graph, indices: TypedArray[]): NablaError | undefined {
  const nodes = graph.nodes.filter(isIndexNode);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const j = firstBadIndex(indices[i], axisSize(graph, node), node.attrs.check.block);
    if (j >= 0) return indexError(node.attrs.check, indices[i], j, graphValue(graph, node.inputs[1]).shape);
  }
  return undefined;
}
