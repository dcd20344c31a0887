import {
  type BinaryOp,
  broadcastShapes,
  type DType,
  type Graph,
  type GraphNode,
  graphValue,
  isFloat,
  NablaError,
  shapesEqual,
  sizeOf,
  type UnaryOp,
} from '@nabla/core';
import { lowerErf64 } from './erf64.js';
import { fold, type Known } from './fold.js';
import { IndexCheckBuilder, type IndexChecks } from './index-checks.js';
import { lowerArgMax, lowerCastToInt32, lowerIntPow, lowerReduction } from './numerics.js';
import type { Attr, OnnxGraphBuilder } from './onnx/builder.js';
import { type InputLayout, type Origin, type OutputPlace, packOutputs, UNGROUPED, unpackGroup } from './packing.js';
import { lowerRandom } from './random.js';
import { sameUpToLeadingOnes } from './shapes.js';
import { lowerForWebGpu } from './webgpu/lowering.js';

/**
 * Lowering: each nabla primitive becomes a few standard ONNX ops (opset 21). Nothing here is
 * a gradient: the backward pass and the optimizer update arrive as ordinary primitives, so a
 * whole training step is one ONNX model.
 */
const ints = (v: number[]): Attr => ({ ints: v });
const int = (v: number): Attr => ({ int: v });

type UnaryNode = Extract<GraphNode, { op: 'unary' }>;
type BinaryNode = Extract<GraphNode, { op: 'binary' }>;
/** x's lowering: an ONNX op, or a function of the builder, x, the node and x's dtype. */
type UnaryLowering = string | ((b: OnnxGraphBuilder, x: string, node: UnaryNode, xType: DType) => string);
/** The lowering of (a, b): an ONNX op, or a function of the builder, the operands and the node. */
type BinaryLowering = string | ((b: OnnxGraphBuilder, ins: string[], node: BinaryNode) => string);

/** Every unary function's lowering: a record over all of them, so one added to core without a lowering fails to compile. */
const UNARY: Record<UnaryOp, UnaryLowering> = {
  neg: 'Neg',
  abs: 'Abs',
  sign: 'Sign',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  sin: 'Sin',
  cos: 'Cos',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  // onnxruntime's Floor takes floats only; an integer is its own floor.
  floor: (b, x, node) => b.op(isFloat(node.dtype) ? 'Floor' : 'Identity', [x]),
  logicalNot: 'Not',
  isNaN: 'IsNaN',
  // |x| < Infinity is false for NaN and both infinities: two nodes where IsNaN, IsInf, Or and Not are four.
  isFinite: (b, x, _node, xType) => b.op('Less', [b.op('Abs', [x]), b.scalar(xType, Number.POSITIVE_INFINITY)]),
  log1p: (b, x, node) => {
    // log(1+x) loses x's low bits when |x| is small; Kahan's correction restores them.
    const u = b.op('Add', [x, b.scalar(node.dtype, 1)]);
    const d = b.op('Sub', [u, b.scalar(node.dtype, 1)]);
    const exact = b.op('Div', [b.op('Mul', [b.op('Log', [u]), x]), d]);
    return b.op('Where', [b.op('Equal', [d, b.scalar(node.dtype, 0)]), x, exact]);
  },
  // onnxruntime has no double Erf kernel.
  erf: (b, x, node) => (node.dtype === 'float64' ? lowerErf64(b, x) : b.op('Erf', [x])),
};

/** Every binary function's lowering (see UNARY). */
const BINARY: Record<BinaryOp, BinaryLowering> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  // onnxruntime's int32 Pow goes through a double and saturates; nabla's wraps (numerics.ts).
  pow: (b, ins, node) => (node.dtype === 'int32' ? lowerIntPow(b, ins[0], ins[1]) : b.op('Pow', ins)),
  maximum: 'Max',
  minimum: 'Min',
  equal: 'Equal',
  notEqual: (b, ins) => b.op('Not', [b.op('Equal', ins)]),
  less: 'Less',
  lessEqual: 'LessOrEqual',
  greater: 'Greater',
  greaterEqual: 'GreaterOrEqual',
  logicalAnd: 'And',
  logicalOr: 'Or',
};

/** The table's lowering of fn; a function it lacks (a malformed graph from JavaScript) is an error. */
function loweringOf<T>(table: Record<string, T>, family: string, fn: string): T {
  if (!Object.hasOwn(table, fn)) throw new NablaError(`onnx: no lowering for ${family} function '${fn}'`);
  return table[fn];
}

/** Zeros up to this many elements are an initializer rather than a ConstantOfShape node. */
const FOLD_ZEROS = 4096;

/**
 * Zeros of a shape: also how a tensor with a zero-size axis is made. Otherwise a scalar 0
 * expanded, which onnxruntime's WebGPU provider runs (it has no ConstantOfShape).
 */
function zerosOf(b: OnnxGraphBuilder, dtype: DType, shape: number[]): string {
  if (sizeOf(shape) > 0) return b.op('Expand', [b.scalar(dtype, 0), b.int64s(shape)]);
  return b.op('ConstantOfShape', [b.int64s(shape)], { value: { tensor: { type: dtype, shape: [1], data: [0] } } });
}

/**
 * Lowers one node; `ins` are the ONNX value names of its operands, in their exact shapes.
 * Returns its value name. Reshapes, slices and concatenations are lowerGraph's, which knows the
 * shapes their operands have in ONNX.
 */
export function lowerNode(
  b: OnnxGraphBuilder,
  node: GraphNode,
  ins: string[],
  shapeOf: (id: number) => number[],
  dtypeOf: (id: number) => DType,
): string {
  switch (node.op) {
    case 'unary': {
      const lowering = loweringOf(UNARY, 'unary', node.attrs.fn);
      return typeof lowering === 'string' ? b.op(lowering, ins) : lowering(b, ins[0], node, dtypeOf(node.inputs[0]));
    }
    case 'binary': {
      const lowering = loweringOf(BINARY, 'binary', node.attrs.fn);
      return typeof lowering === 'string' ? b.op(lowering, ins) : lowering(b, ins, node);
    }
    case 'where':
      return b.op('Where', ins);
    case 'cast':
      if (node.attrs.dtype === 'int32' && isFloat(dtypeOf(node.inputs[0]))) return lowerCastToInt32(b, ins[0], dtypeOf(node.inputs[0]));
      return b.cast(ins[0], node.attrs.dtype);
    case 'reduce':
      return lowerReduction(b, node.attrs.fn, {
        value: ins[0],
        dtype: node.dtype,
        shape: shapeOf(node.inputs[0]),
        axes: node.attrs.axes,
        outShape: node.shape,
      });
    case 'argMax':
      return lowerArgMax(b, ins[0], dtypeOf(node.inputs[0]), node.attrs.axis);
    case 'matmul': {
      const { transposeA, transposeB } = node.attrs;
      // Sums of no products: zeros. onnxruntime's WebGPU MatMul aborts the process on K = 0.
      if (shapeOf(node.inputs[0]).at(transposeA ? -2 : -1) === 0) return zerosOf(b, node.dtype, node.shape);
      // Gemm transposes its operands itself: one node instead of a Transpose and a MatMul.
      if (node.shape.length === 2 && (transposeA || transposeB) && isFloat(node.dtype)) {
        return b.op('Gemm', ins, { transA: int(transposeA ? 1 : 0), transB: int(transposeB ? 1 : 0) });
      }
      const perm = node.shape.length === 3 ? [0, 2, 1] : [1, 0];
      const t = (x: string, flag: boolean) => (flag ? b.op('Transpose', [x], { perm: ints(perm) }) : x);
      return b.op('MatMul', [t(ins[0], node.attrs.transposeA), t(ins[1], node.attrs.transposeB)]);
    }
    case 'transpose':
      return b.op('Transpose', ins, { perm: ints(node.attrs.perm) });
    case 'expand':
      // onnxruntime broadcasts 1 against 0 to 1 (numpy gives 0): an empty target is built directly.
      if (sizeOf(node.attrs.shape) === 0) return zerosOf(b, node.dtype, node.attrs.shape);
      return b.op('Expand', [ins[0], b.int64s(node.attrs.shape)]);
    case 'pad': {
      const { pads, value } = node.attrs;
      const flat = [...pads.map(([before]) => before), ...pads.map(([, after]) => after)];
      return b.op('Pad', [ins[0], b.int64s(flat), b.scalar(node.dtype, value)], { mode: { string: 'constant' } });
    }
    case 'gather':
      // From an empty axis every index is out of range, which the index checks report: the
      // Gather must not run (onnxruntime's WebGPU Gather reads out of bounds and crashes the process).
      if (shapeOf(node.inputs[0])[node.attrs.axis] === 0) return zerosOf(b, node.dtype, node.shape);
      return b.op('Gather', ins, { axis: int(node.attrs.axis) });
    case 'scatterAdd': {
      // The adjoint of gather, as ScatterElements(reduction add) on [outer, n, inner] views.
      const { axis, shape } = node.attrs;
      const outer = sizeOf(shape.slice(0, axis));
      const inner = sizeOf(shape.slice(axis + 1));
      const k = sizeOf(shapeOf(node.inputs[1]));
      const zeros = (dims: number[]) => zerosOf(b, node.dtype, dims);
      // Nothing to add (or nowhere to add it): onnxruntime's ScatterElements rejects empty views.
      if (outer * k * inner === 0 || sizeOf(shape) === 0) return zeros(shape);
      if (shape.length === 1 && shapeOf(node.inputs[1]).length === 1) {
        // Into a vector (a gather from a flattened tensor, as the sparse cross-entropy does): the
        // operands are already what ScatterElements takes, int32 indices included.
        const start =
          sizeOf(shape) <= FOLD_ZEROS ? b.constant({ type: node.dtype, shape, data: new Float64Array(shape[0]) }) : zeros(shape);
        return b.op('ScatterElements', [start, ins[1], ins[0]], { axis: int(0), reduction: { string: 'add' } });
      }
      const view = [outer, k, inner];
      const updates = b.reshape(ins[0], view);
      // int32 indices as they are, as ScatterElements takes them (the WebGPU provider has no int64 Expand).
      const index = b.op('Expand', [b.reshape(ins[1], [1, k, 1]), b.int64s(view)]);
      const summed = b.op('ScatterElements', [zeros([outer, shape[axis], inner]), index, updates], {
        axis: int(1),
        reduction: { string: 'add' },
      });
      return b.reshape(summed, shape);
    }
    case 'random':
      return lowerRandom(b, ins[0], node.attrs.shape);
    case 'reshape':
    case 'slice':
    case 'concat':
      throw new NablaError(`onnx: lowerGraph lowers '${node.op}', which depends on its operand's ONNX shape`);
    default:
      return noLowering(node);
  }
}

/**
 * Every primitive has a case above: `node` is `never` here, so a primitive added to core
 * without a lowering fails to compile. A malformed graph from JavaScript still gets an error.
 */
function noLowering(node: never): never {
  throw new NablaError(`onnx: no lowering for primitive '${(node as GraphNode).op}'`);
}

export interface Lowered {
  bytes: Uint8Array;
  /** Per graph input, its ONNX input name, or null where it is a folded constant or in a group. */
  inputNames: (string | null)[];
  /** Per input group of the layout, its ONNX input name. */
  groupNames: string[];
  /** Per graph output, where onnxruntime returns it. */
  outputs: OutputPlace[];
  /** For each nabla node, the first ONNX node index it lowered to, and its op label, in order. */
  labels: { firstNode: number; label: string }[];
  /** The index checks of its gathers and scatterAdds (index-checks.ts), and where each extreme comes back. */
  indexChecks: IndexChecks;
  checkOutputs: OutputPlace[];
}

/**
 * The axes, counted from the end, along which a slice cuts its operand, when its operand's ONNX
 * shape differs from its own only by leading 1s and has those axes; else undefined.
 */
function looseSliceAxes(node: Extract<GraphNode, { op: 'slice' }>, onnxShape: number[], shape: readonly number[]): number[] | undefined {
  if (!sameUpToLeadingOnes(onnxShape, shape)) return undefined;
  const { begin, size } = node.attrs;
  const axes = begin.flatMap((at, i) => (at !== 0 || size[i] !== shape[i] ? [i - shape.length] : []));
  return axes.every((a) => onnxShape.length + a >= 0) ? axes : undefined;
}

/**
 * A slice along the axes it cuts, counted from the end, so that an operand whose ONNX shape
 * differs by leading 1s needs no Reshape first (any other is made exact by `exact`). Returns the
 * value and its ONNX shape; a slice along one axis is recorded in `origins` for packing.
 */
function lowerSlice(
  b: OnnxGraphBuilder,
  node: Extract<GraphNode, { op: 'slice' }>,
  operand: { value: string; onnxShape: number[]; shape: readonly number[] },
  exact: () => string,
  origins: Map<string, Origin>,
  webgpu: boolean,
): [string, number[]] {
  const { begin, size } = node.attrs;
  const { shape } = operand;
  const rank = shape.length;
  let { value: x, onnxShape } = operand;
  let axes = looseSliceAxes(node, onnxShape, shape);
  if (!axes) {
    [x, onnxShape] = [exact(), [...shape]];
    axes = looseSliceAxes(node, onnxShape, shape) as number[];
  }
  if (axes.length === 0) return [x, onnxShape];
  const out = [...onnxShape];
  for (const a of axes) out[out.length + a] = size[rank + a];
  const starts = axes.map((a) => begin[rank + a]);
  const ends = axes.map((a) => begin[rank + a] + size[rank + a]);
  // The WebGPU provider's Slice takes floats only: other dtypes gather the kept range per axis.
  const value =
    webgpu && node.dtype !== 'float32'
      ? axes.reduce((v, a, i) => {
          const range = Array.from({ length: ends[i] - starts[i] }, (_, j) => starts[i] + j);
          return b.op('Gather', [v, b.constant({ type: 'int32', shape: [range.length], data: range })], { axis: int(a) });
        }, x)
      : b.op('Slice', [x, b.int64s(starts), b.int64s(ends), b.int64s(axes)]);
  if (axes.length === 1) {
    const [axis] = axes;
    origins.set(value, { sliceOf: x, axis, start: starts[0], end: ends[0], length: onnxShape[onnxShape.length + axis] });
  }
  return [value, out];
}

/**
 * A concatenation along its axis counted from the end, at the highest rank its operands have in
 * ONNX: an operand that differs from its nabla shape only by leading 1s and has that rank goes
 * in as it is, any other through one Reshape to its shape padded with leading 1s. Returns the
 * value and its ONNX shape, and records it in `origins` for packing.
 */
function lowerConcat(
  b: OnnxGraphBuilder,
  node: Extract<GraphNode, { op: 'concat' }>,
  operands: { value: string; onnxShape: number[]; shape: readonly number[] }[],
  origins: Map<string, Origin>,
): [string, number[]] {
  const axis = node.attrs.axis - node.shape.length; // from the end
  const rank = Math.max(node.shape.length, ...operands.map((o) => o.onnxShape.length));
  const padded = (shape: readonly number[]) => [...Array<number>(rank - shape.length).fill(1), ...shape];
  const ins = operands.map(({ value, onnxShape, shape }) =>
    onnxShape.length === rank && sameUpToLeadingOnes(onnxShape, shape) ? value : b.reshape(value, padded(shape)),
  );
  const value = b.op('Concat', ins, { axis: int(axis) });
  origins.set(value, { concat: ins, axis });
  return [value, padded(node.shape)];
}

/** A rank-2 product with inner dimension 1 and no transposes: an outer product. */
function isOuterProduct(node: GraphNode, shapeOf: (id: number) => number[]): boolean {
  if (node.op !== 'matmul' || node.shape.length !== 2 || node.attrs.transposeA || node.attrs.transposeB) return false;
  return shapeOf(node.inputs[0])[1] === 1;
}

/** Primitives that lower to elementwise ONNX ops only: they broadcast, so their operands' exact ranks do not matter. */
const ELEMENTWISE = new Set<GraphNode['op']>(['unary', 'binary', 'where', 'cast']);

/**
 * Lowers a graph whose fed inputs arrive as `layout` says (see packing.ts).
 *
 * A value's ONNX shape may differ from its nabla shape: a reshape emits nothing, and the exact
 * shape is restored, once, when an op that depends on it reads the value. Elementwise ops accept
 * shapes that differ by leading axes of size 1 (they broadcast alike); slices and concatenations
 * work on such shapes through axes counted from the end; a reduction to one element takes any
 * shape. onnxruntime pays about as much for a Reshape as for any small op, and small training
 * steps are full of them. `webgpu`: for onnxruntime's WebGPU execution provider, with the
 * lowerings that work around it (webgpu/lowering.ts).
 */
export function lowerGraph(
  graph: Graph,
  makeBuilder: () => OnnxGraphBuilder,
  layout: InputLayout = UNGROUPED,
  { checkIndices = true, webgpu = false } = {},
): Lowered {
  const b = makeBuilder();
  const nIn = graph.inputs.length;
  const dtypeOf = (id: number) => graphValue(graph, id).dtype;
  const shapeOf = (id: number) => graphValue(graph, id).shape;
  const groupNames = layout.groups.map((_, j) => `g${j}`);
  const grouped = new Map(layout.groups.flatMap((g, j) => [...unpackGroup(b, groupNames[j], g, shapeOf)]));
  // Per value id: its ONNX name, and the shape that value has in ONNX (the same elements in the
  // same order as the nabla value).
  const values: string[] = [];
  const onnxShapes: number[][] = [];
  // How packing may take values apart again (see packOutputs): concatenations and slices.
  const origins = new Map<string, Origin>();
  // Per value id, its value where it is a constant (see fold.ts).
  const known: (Known | undefined)[] = graph.inputs.map((v) => (v.value ? { dtype: v.dtype, shape: v.shape, data: v.value } : undefined));
  graph.inputs.forEach((v, i) => {
    const piece = grouped.get(i);
    // Inputs with a known value (a jit's captured constants) become initializers: not fed per run.
    values.push(
      piece?.value ?? (v.value ? b.constant({ type: v.dtype, shape: v.shape, data: v.value }) : b.input(`in${i}`, v.dtype, v.shape)),
    );
    onnxShapes.push(piece?.shape ?? v.shape);
  });
  const inputNames = graph.inputs.map((v, i) => (v.value || grouped.has(i) ? null : values[i]));
  // The value in its exact nabla shape, made once; the value itself keeps its ONNX shape, which
  // reshapes of it may still use (a flat piece read both as a matrix and as part of a flat vector).
  const exactValues = new Map<number, string>();
  const exact = (id: number) => {
    if (shapesEqual(onnxShapes[id], shapeOf(id))) return values[id];
    let v = exactValues.get(id);
    if (v === undefined) exactValues.set(id, (v = b.reshape(values[id], shapeOf(id))));
    return v;
  };
  // The value as is where it differs from its nabla shape only by leading 1s, else exact.
  const isLoose = (id: number) => sameUpToLeadingOnes(onnxShapes[id], shapeOf(id));
  const loose = (id: number) => (isLoose(id) ? values[id] : exact(id));
  const looseShape = (id: number) => (isLoose(id) ? onnxShapes[id] : shapeOf(id));
  const push = (value: string, shape: number[]) => {
    values.push(value);
    onnxShapes.push(shape);
  };
  const labels: Lowered['labels'] = [];
  const checks = new IndexCheckBuilder(b, graph);
  for (const node of graph.nodes) {
    labels.push({ firstNode: b.nodeCount, label: node.label ?? node.op });
    if (checkIndices && (node.op === 'gather' || node.op === 'scatterAdd')) {
      const i = node.inputs[1];
      checks.add(node, values[i], onnxShapes[i], known[i]);
    }
    const [first] = node.inputs;
    const constant = fold(
      node,
      node.inputs.map((i) => known[i]),
    );
    known.push(constant);
    if (constant) {
      push(b.constant({ type: node.dtype, shape: node.shape, data: constant.data }), node.shape);
    } else if (ELEMENTWISE.has(node.op) || isOuterProduct(node, shapeOf)) {
      // [m,1] x [1,n] is a broadcast multiply: one cheap elementwise op.
      const ins = node.inputs.map(loose);
      const shapes = node.inputs.map(looseShape);
      const value =
        node.op === 'matmul'
          ? b.op('Mul', ins)
          : ((webgpu ? lowerForWebGpu(b, node, ins, shapes) : undefined) ?? lowerNode(b, node, ins, shapeOf, dtypeOf));
      push(value, broadcastShapes('onnx', ...shapes));
    } else if (node.op === 'reshape') {
      push(values[first], onnxShapes[first]);
    } else if (node.op === 'reduce' && sizeOf(node.shape) === 1) {
      // To one element: no axes reduces them all, whatever the operand's ONNX shape.
      push(
        lowerReduction(b, node.attrs.fn, {
          value: values[first],
          dtype: node.dtype,
          shape: onnxShapes[first],
          outShape: onnxShapes[first].map(() => 1),
        }),
        onnxShapes[first].map(() => 1),
      );
    } else if (node.op === 'slice') {
      const operand = { value: values[first], onnxShape: onnxShapes[first], shape: shapeOf(first) };
      push(...lowerSlice(b, node, operand, () => exact(first), origins, webgpu));
    } else if (node.op === 'concat') {
      push(
        ...lowerConcat(
          b,
          node,
          node.inputs.map((i) => ({ value: values[i], onnxShape: onnxShapes[i], shape: shapeOf(i) })),
          origins,
        ),
      );
    } else {
      push(lowerNode(b, node, node.inputs.map(exact), shapeOf, dtypeOf), node.shape);
    }
  }
  const indexChecks = checks.finish();
  const packed = packOutputs(
    b,
    [...graph.outputs.map((id) => ({ value: values[id], dtype: dtypeOf(id), shape: onnxShapes[id] })), ...indexChecks.values],
    origins,
  );
  // A node's value is exposed under its own name; graph inputs, constants (captured or folded)
  // and repeats need an Identity (a copy per run), so only they get one.
  const exposed = new Set<string>(values.filter((_, id) => id < nIn || known[id] !== undefined));
  const outputs = graph.outputs.map((id, k): OutputPlace => {
    const place = packed.get(k);
    if (place) return place;
    const value = exact(id);
    const name = exposed.has(value) ? `out${k}` : value;
    exposed.add(value);
    b.output(name, value, dtypeOf(id), shapeOf(id));
    return { name, offset: -1 };
  });
  // The extremes of the index checks: packed with the outputs of their dtype (there are always two).
  const checkOutputs = indexChecks.values.map(({ value, dtype, shape }, i): OutputPlace => {
    const place = packed.get(graph.outputs.length + i);
    if (place) return place;
    b.output(`check${i}`, value, dtype, shape);
    return { name: `check${i}`, offset: 0 };
  });
  return { bytes: b.toBytes(), inputNames, groupNames, outputs, labels, indexChecks, checkOutputs };
}
