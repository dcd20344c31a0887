import { NablaError } from '@nabla/core';
import { type AttributeProto, AttributeType, DataType, type NodeProto, type TensorProto } from '../onnx/proto.js';

/**
 * An exported graph fitted to an older opset, so that a runtime pinned to an older onnxruntime
 * (a Triton release, a mobile build) loads it. Exporters write opset 21; the ops whose signature
 * changed since 13 are rewritten here into the form the chosen opset defines, and an op the
 * opset lacks is either written as the ops it stands for (LayerNormalization, Gelu) or an error
 * naming the layer and the opset it needs. onnxruntime checks every node against the model's
 * opset when it loads it, which is what the tests hold this to.
 *
 * Working on the finished graph rather than in each exporter covers custom exporters too.
 */

/** The opsets an export can target: 13 made Squeeze, Unsqueeze and ReduceSum take axes as an input, which exporters rely on. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;

/** The IR version each opset came out with (onnx's release table): a runtime old enough to need the opset may refuse a newer IR. */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Standard ops that first appeared after opset 13, with the opset that brought them. */
const INTRODUCED: Record<string, number> = {
  HardSwish: 14,
  Trilu: 14,
  Bernoulli: 15,
  CastLike: 15,
  Optional: 15,
  OptionalGetElement: 15,
  OptionalHasElement: 15,
  GridSample: 16,
  BlackmanWindow: 17,
  DFT: 17,
  HammingWindow: 17,
  HannWindow: 17,
  LayerNormalization: 17,
  MelWeightMatrix: 17,
  STFT: 17,
  SequenceMap: 17,
  BitwiseAnd: 18,
  BitwiseNot: 18,
  BitwiseOr: 18,
  BitwiseXor: 18,
  CenterCropPad: 18,
  Col2Im: 18,
  GroupNormalization: 18,
  Mish: 18,
  DeformConv: 19,
  AffineGrid: 20,
  Gelu: 20,
  ImageDecoder: 20,
  RegexFullMatch: 20,
  StringConcat: 20,
  StringSplit: 20,
};

/** The reductions whose axes became an input at opset 18 (ReduceSum's did at 13). */
const REDUCTIONS = new Set([
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
]);

export interface FittedGraph {
  nodes: NodeProto[];
  /** The graph's initializers and the constants the rewrites added. */
  initializers: TensorProto[];
}

const INT64_MAX = (1n << 63n) - 1n;

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function without(node: NodeProto, ...names: string[]): NodeProto {
  return { ...node, attribute: (node.attribute ?? []).filter((a) => !names.includes(a.name)) };
}

function text(a: AttributeProto | undefined): string | undefined {
  if (a?.s === undefined) return undefined;
  return typeof a.s === 'string' ? a.s : new TextDecoder().decode(a.s);
}

function int64Values(t: TensorProto): number[] | undefined {
  if (t.dataType !== DataType.INT64 || t.externalData !== undefined) return undefined;
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

/**
 * The graph at `opset` (MIN_OPSET..MAX_OPSET). `layerOf` names the layer that wrote a node, for
 * the error when a node has no form at that opset. Every node must be in the standard domain.
 */
export function fitOpset(
  graph: { nodes: readonly NodeProto[]; initializers: readonly TensorProto[]; names: Iterable<string> },
  opset: number,
  layerOf: (node: NodeProto) => string,
): FittedGraph {
  const constants = new Map(graph.initializers.map((t) => [t.name as string, t]));
  const taken = new Set(graph.names);
  for (const n of graph.nodes) for (const o of n.output) taken.add(o);
  const added: TensorProto[] = [];
  let counter = 0;
  const fresh = () => {
    for (;;) {
      const name = `op${opset}_${counter++}`;
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  };
  const constant = (dataType: DataType, dims: number[], rawData: Uint8Array) => {
    const name = fresh();
    const t: TensorProto = { name, dataType, dims, rawData };
    added.push(t);
    constants.set(name, t);
    return name;
  };
  const int64s = (values: bigint[]) => {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setBigInt64(i * 8, v, true);
    });
    return constant(DataType.INT64, [values.length], raw);
  };
  const float = (value: number) => {
    const raw = new Uint8Array(4);
    new DataView(raw.buffer).setFloat32(0, value, true);
    return constant(DataType.FLOAT, [], raw);
  };

  const out: NodeProto[] = [];
  for (const node of graph.nodes) {
    const needs = (version: number, why: string): never => {
      throw new NablaError(
        `exportOnnx: ${layerOf(node)} needs ONNX opset ${version} or later (${why}); the export asked for opset ${opset}: ` +
          `pass { opset: ${version} } or more, or leave the layer out`,
      );
    };
    if (node.domain) {
      throw new NablaError(
        `exportOnnx: ${layerOf(node)} wrote a ${node.opType} op of domain '${node.domain}'; an export holds standard ONNX ops only, which every runtime has`,
      );
    }
    let k = 0;
    /** A node of the rewrite, named after the one it replaces so that onnxruntime's errors still point at it. */
    const emit = (opType: string, input: string[], attribute: AttributeProto[] = [], output = [fresh()]) => {
      out.push({ opType, input, output, attribute, name: `${node.name ?? node.opType}_${k++}` });
      return output[0];
    };
    const reduceMean = (x: string, axes: number[]) =>
      opset >= 18
        ? emit('ReduceMean', [x, int64s(axes.map(BigInt))], [{ name: 'keepdims', type: AttributeType.INT, i: 1 }])
        : emit(
            'ReduceMean',
            [x],
            [
              { name: 'axes', type: AttributeType.INTS, ints: axes },
              { name: 'keepdims', type: AttributeType.INT, i: 1 },
            ],
          );
    const since = INTRODUCED[node.opType];
    if (since !== undefined && since > opset) {
      if (node.opType === 'LayerNormalization') {
        // Its definition in ONNX's own function body: normalize over axis..-1, then scale and shift.
        const axis = Number(attr(node, 'axis')?.i ?? -1);
        const epsilon = attr(node, 'epsilon')?.f ?? 1e-5;
        if (axis >= 0) needs(17, 'LayerNormalization with a non-negative axis, whose rank this rewrite cannot see');
        if (node.output.slice(1).some((o) => o !== '')) needs(17, "LayerNormalization's Mean or InvStdDev output");
        const [x, scale, bias] = node.input;
        const axes = Array.from({ length: -axis }, (_, i) => axis + i);
        const centered = emit('Sub', [x, reduceMean(x, axes)]);
        const variance = reduceMean(emit('Mul', [centered, centered]), axes);
        const normalized = emit('Div', [centered, emit('Sqrt', [emit('Add', [variance, float(epsilon)])])]);
        const hasBias = bias !== undefined && bias !== '';
        const scaled = emit('Mul', [normalized, scale], [], hasBias ? [fresh()] : [node.output[0]]);
        if (hasBias) emit('Add', [scaled, bias], [], [node.output[0]]);
        continue;
      }
      if (node.opType === 'Gelu') {
        const [x] = node.input;
        const half = emit('Mul', [x, float(0.5)]);
        let inner: string;
        if (text(attr(node, 'approximate')) === 'tanh') {
          // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), as Gelu-20 defines 'tanh'
          const cube = emit('Mul', [emit('Mul', [x, x]), x]);
          const arg = emit('Mul', [emit('Add', [x, emit('Mul', [cube, float(0.044715)])]), float(Math.sqrt(2 / Math.PI))]);
          inner = emit('Tanh', [arg]);
        } else {
          inner = emit('Erf', [emit('Mul', [x, float(Math.SQRT1_2)])]);
        }
        emit('Mul', [half, emit('Add', [inner, float(1)])], [], [node.output[0]]);
        continue;
      }
      needs(since, `${node.opType} came with opset ${since}`);
    }
    if (node.opType === 'Shape' && opset < 15 && (attr(node, 'start') || attr(node, 'end'))) {
      // Shape-15's start and end are a Slice of the whole shape (the same clamping of negative bounds).
      const start = BigInt(attr(node, 'start')?.i ?? 0);
      const end = attr(node, 'end') === undefined ? INT64_MAX : BigInt(attr(node, 'end')?.i ?? 0);
      const shape = emit('Shape', [node.input[0]]);
      emit('Slice', [shape, int64s([start]), int64s([end])], [], [node.output[0]]);
      continue;
    }
    if (node.opType === 'Reshape' && opset < 14 && attr(node, 'allowzero') !== undefined) {
      // Before 14 a 0 in the shape copies the input's dimension; with no 0 there, allowzero changes nothing.
      const shape = constants.get(node.input[1]);
      const values = shape && int64Values(shape);
      if (Number(attr(node, 'allowzero')?.i) === 1 && (values === undefined || values.includes(0)))
        needs(14, 'Reshape with allowzero and a shape that may hold 0');
      out.push(without(node, 'allowzero'));
      continue;
    }
    if (REDUCTIONS.has(node.opType) && opset < 18) {
      if (Number(attr(node, 'noop_with_empty_axes')?.i ?? 0) !== 0) needs(18, `${node.opType} with noop_with_empty_axes`);
      const axesInput = node.input[1];
      if (axesInput === undefined || axesInput === '') {
        out.push(without(node, 'noop_with_empty_axes'));
        continue;
      }
      const t = constants.get(axesInput);
      const axes = t && int64Values(t);
      if (axes === undefined) needs(18, `${node.opType} with axes computed in the graph, not constant`);
      const rest = without(node, 'noop_with_empty_axes');
      out.push({
        ...rest,
        input: [node.input[0]],
        attribute: [...(rest.attribute ?? []), { name: 'axes', type: AttributeType.INTS, ints: axes }],
      });
      continue;
    }
    if (node.opType === 'Pad') {
      if (opset < 18 && node.input.length > 3 && node.input[3] !== '') needs(18, "Pad's axes input");
      if (opset < 19 && text(attr(node, 'mode')) === 'wrap') needs(19, "Pad's 'wrap' mode");
    }
    if (node.opType === 'Split' && opset < 18 && attr(node, 'num_outputs')) needs(18, "Split's num_outputs");
    if (node.opType === 'AveragePool' && opset < 19 && attr(node, 'dilations')) {
      if (attr(node, 'dilations')?.ints?.some((d) => Number(d) !== 1)) needs(19, 'AveragePool with dilations');
      out.push(without(node, 'dilations'));
      continue;
    }
    if (node.opType === 'Cast' && opset < 19 && attr(node, 'saturate')) {
      // saturate acts only on casts to float8 types, which came with opset 19 too.
      out.push(without(node, 'saturate'));
      continue;
    }
    if (node.opType === 'Resize' && opset < 18 && ['antialias', 'axes', 'keep_aspect_ratio_policy'].some((a) => attr(node, a)))
      needs(18, "Resize's antialias, axes or keep_aspect_ratio_policy");
    if (node.opType === 'LpPool' && opset < 18 && attr(node, 'ceil_mode')) needs(18, "LpPool's ceil_mode");
    if ((node.opType === 'ScatterElements' || node.opType === 'ScatterND') && attr(node, 'reduction')) {
      const reduction = text(attr(node, 'reduction'));
      const version = reduction === 'max' || reduction === 'min' ? 18 : reduction === 'none' ? 13 : 16;
      if (opset < version) needs(version, `${node.opType} with reduction '${reduction}'`);
    }
    out.push(node);
  }
  // Axes moved into attributes leave their constants unread: onnxruntime warns about such initializers.
  const read = new Set(out.flatMap((n) => n.input));
  return { nodes: out, initializers: [...graph.initializers, ...added].filter((t) => read.has(t.name as string)) };
}

/** The `opset` option: an integer from MIN_OPSET to MAX_OPSET, MAX_OPSET when not given. */
export function checkOpset(op: string, opset: number | undefined): number {
  if (opset === undefined) return MAX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new NablaError(
      `${op}: option 'opset' must be an integer from ${MIN_OPSET} to ${MAX_OPSET} (the ONNX opsets an export can target), got ${String(opset)}`,
    );
  }
  return opset;
}
