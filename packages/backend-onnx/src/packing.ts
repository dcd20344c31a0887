import { type DType, type Graph, sizeOf, type TypedArray } from '@nabla/core';
import type { OnnxGraphBuilder } from './onnx/builder.js';

/**
 * Packing small values into one onnxruntime tensor per dtype.
 *
 * session.run costs about 1.1 µs per input tensor and 2.1 µs per output tensor on
 * onnxruntime-node, against 0.26 µs per small op (`node apps/bench/dist/main.js --workloads
 * ort-overhead`): a training step of a small model (weights, optimizer slots, metrics) spends
 * more on its dozen inputs and outputs than on its ops. So small outputs of one dtype leave the
 * graph as one Concat and come back to JavaScript as views of it; when a later run reads several
 * of those views, they go in as one tensor and a Split (one op) takes them apart again.
 *
 * Large values are left alone: Concat and Split copy, and beyond a few thousand elements the
 * copy costs more than the tensor's share of session.run.
 */
export const PACK_LIMIT = 4096;

/** Graph inputs that are views of one packed buffer: fed as one tensor of `length` elements. */
export interface InputGroup {
  dtype: DType;
  length: number;
  /** Where each member lies in the group, by graph input index (repeats share an offset). */
  members: { input: number; offset: number }[];
}

/** Which graph inputs are fed grouped; `key` identifies the layout among a graph's sessions. */
export interface InputLayout {
  groups: InputGroup[];
  key: string;
}

export const UNGROUPED: InputLayout = { groups: [], key: '' };

export interface GroupedFeeds {
  layout: InputLayout;
  /** Per group, the span of the packed tensor to feed. */
  spans: TypedArray[];
}

/**
 * A value that is a slice of a packed output: a backend buffer like an onnxruntime tensor, but
 * made into one only if it is ever fed on its own (building tensors costs per output, too).
 */
export class PackedView {
  constructor(
    readonly packed: TypedArray,
    readonly offset: number,
    readonly dtype: DType,
    readonly shape: readonly number[],
  ) {}

  get data(): TypedArray {
    return this.packed.subarray(this.offset, this.offset + sizeOf(this.shape)) as TypedArray;
  }
}

/**
 * Finds the inputs that are views of one packed output, to feed them as one tensor. `viewOf(i)` says
 * where graph input i lies, or undefined when it is not fed or is not a packed view.
 */
export function groupInputs(graph: Graph, viewOf: (i: number) => PackedView | undefined): GroupedFeeds {
  let byPacked: Map<TypedArray, number[]> | undefined;
  for (let i = 0; i < graph.inputs.length; i++) {
    const view = viewOf(i);
    if (view === undefined) continue;
    byPacked ??= new Map();
    const same = byPacked.get(view.packed);
    if (same) same.push(i);
    else byPacked.set(view.packed, [i]);
  }
  if (!byPacked) return NOTHING_GROUPED;
  const groups: InputGroup[] = [];
  const spans: TypedArray[] = [];
  for (const [packed, inputs] of byPacked) {
    if (inputs.length < 2) continue;
    const at = (i: number) => (viewOf(i) as PackedView).offset;
    inputs.sort((a, b) => at(a) - at(b));
    // Views of one packed output are disjoint, or the same view twice.
    const start = at(inputs[0]);
    let end = start;
    let used = 0;
    for (const i of inputs) {
      const size = sizeOf(graph.inputs[i].shape);
      if (at(i) + size <= end) continue;
      end = at(i) + size;
      used += size;
    }
    // Feeding the span must not drag in much that nobody reads.
    if (end - start > 2 * used + PACK_LIMIT) continue;
    groups.push({
      dtype: graph.inputs[inputs[0]].dtype,
      length: end - start,
      members: inputs.map((input) => ({ input, offset: at(input) - start })),
    });
    spans.push(packed.subarray(start, end) as TypedArray);
  }
  if (groups.length === 0) return NOTHING_GROUPED;
  const key = groups.map((g) => `${g.length}:${g.members.map((m) => `${m.input}@${m.offset}`).join(',')}`).join('|');
  return { layout: { groups, key }, spans };
}

const NOTHING_GROUPED: GroupedFeeds = { layout: UNGROUPED, spans: [] };

/**
 * Groups one graph's inputs, run after run. A training loop feeds the same pattern every step
 * (weights and slots at the same places of the previous step's packed output), so the last
 * pattern is remembered and checked in one pass before grouping from scratch.
 */
export class InputGrouper {
  /** Per input: which distinct packed output it is a view of (-1: none), and its offset. */
  private pattern: Int32Array;
  /** Where the next call writes its pattern (the two swap when the pattern changes). */
  private scratch: Int32Array;
  private last: InputLayout | undefined;

  constructor(private readonly graph: Graph) {
    this.pattern = new Int32Array(2 * graph.inputs.length);
    this.scratch = new Int32Array(2 * graph.inputs.length);
  }

  group(viewOf: (i: number) => PackedView | undefined): GroupedFeeds {
    const pattern = this.scratch;
    const seen: TypedArray[] = [];
    let same = this.last !== undefined;
    for (let i = 0; i < this.graph.inputs.length; i++) {
      const view = viewOf(i);
      let k = -1;
      if (view !== undefined) {
        k = seen.indexOf(view.packed);
        if (k < 0) k = seen.push(view.packed) - 1;
      }
      pattern[2 * i] = k;
      pattern[2 * i + 1] = view?.offset ?? 0;
      same &&= k === this.pattern[2 * i] && pattern[2 * i + 1] === this.pattern[2 * i + 1];
    }
    const last = this.last;
    if (last && same) {
      const spans = last.groups.map((g) => {
        const first = viewOf(g.members[0].input) as PackedView; // members are sorted by offset
        return first.packed.subarray(first.offset, first.offset + g.length) as TypedArray;
      });
      return { layout: last, spans };
    }
    const grouped = groupInputs(this.graph, viewOf);
    [this.pattern, this.scratch] = [pattern, this.pattern];
    this.last = grouped.layout;
    return grouped;
  }
}

/**
 * Declares a group as the graph input `name` and splits it into its members' values; returns,
 * per graph input index it covers, the ONNX value and its ONNX shape: the flat piece (lowerGraph
 * reshapes it where an op needs the member's exact shape).
 */
export function unpackGroup(
  b: OnnxGraphBuilder,
  name: string,
  group: InputGroup,
  shapeOf: (input: number) => number[],
): Map<number, { value: string; shape: number[] }> {
  const packed = b.input(name, group.dtype, [group.length]);
  // Consecutive pieces covering the span: each distinct member, and the gaps between them.
  const pieces: { offset: number; size: number }[] = [];
  let cursor = 0;
  for (const { input, offset } of group.members) {
    const size = sizeOf(shapeOf(input));
    if (offset < cursor) continue; // a repeat of the previous member
    if (offset > cursor) pieces.push({ offset: cursor, size: offset - cursor });
    pieces.push({ offset, size });
    cursor = offset + size;
  }
  const names =
    pieces.length === 1 ? [packed] : b.node('Split', [packed, b.int64s(pieces.map((p) => p.size))], { axis: { int: 0 } }, pieces.length);
  const values = new Map<number, { value: string; shape: number[] }>();
  for (const { input, offset } of group.members) {
    const piece = names[pieces.findIndex((p) => p.offset === offset)];
    values.set(input, { value: piece, shape: [sizeOf(shapeOf(input))] });
  }
  return values;
}

/** Where a graph output is found: a whole output tensor, or a slice of a packed one. */
export interface OutputPlace {
  name: string;
  /** For packed outputs, the element offset in the packed tensor; -1 for a whole tensor. */
  offset: number;
}

/**
 * How lowering built a value, for packing to take it apart again: a Concat of `concat`, or a
 * Slice of `sliceOf` (`length` long) from `start` to `end`, along `axis` (counted from the end).
 */
export type Origin = { concat: string[]; axis: number } | { sliceOf: string; axis: number; start: number; end: number; length: number };

/**
 * The shapes Concat lays end to end in memory: at one rank, [n, 1, ..., 1] along the first axis
 * (a column) or [1, ..., 1, n] along the last (a row).
 */
interface Form {
  rank: number;
  row: boolean;
}

function fits(shape: readonly number[], { rank, row }: Form): boolean {
  if (shape.length !== rank) return false;
  const free = row ? rank - 1 : 0;
  return shape.every((d, i) => i === free || d === 1);
}

/** The form most of these shapes are in already. */
function commonForm(shapes: readonly (readonly number[])[]): Form {
  let best: Form = { rank: 1, row: true };
  let bestCount = 0;
  for (const rank of new Set(shapes.map((s) => s.length))) {
    if (rank === 0) continue;
    for (const row of [true, false]) {
      const count = shapes.filter((s) => fits(s, { rank, row })).length;
      if (count > bestCount) [best, bestCount] = [{ rank, row }, count];
    }
  }
  return best;
}

/**
 * The values to concatenate for `parts`, all in `form`: a concatenation along the form's axis
 * contributes its own parts, and consecutive slices that together make up a whole value are that
 * value. The nodes they replace are left for the builder to drop (OnnxGraphBuilder.live).
 */
function flattenParts(parts: string[], form: Form, origins: ReadonlyMap<string, Origin>): string[] {
  const axis = form.row ? -1 : -form.rank;
  const flat: string[] = [];
  const expand = (v: string) => {
    const o = origins.get(v);
    if (o && 'concat' in o && o.axis === axis) o.concat.forEach(expand);
    else flat.push(v);
  };
  parts.forEach(expand);
  const out: string[] = [];
  for (let i = 0; i < flat.length; ) {
    const o = origins.get(flat[i]);
    if (o && 'sliceOf' in o && o.axis === axis && o.start === 0) {
      let j = i;
      let end = o.end;
      for (;;) {
        const next = origins.get(flat[j + 1]);
        if (!(next && 'sliceOf' in next && next.sliceOf === o.sliceOf && next.axis === axis && next.start === end)) break;
        end = next.end;
        j++;
      }
      if (j > i && end === o.length) {
        out.push(o.sliceOf);
        i = j + 1;
        continue;
      }
    }
    out.push(flat[i]);
    i++;
  }
  return out;
}

/**
 * Packs the graph's small outputs: per dtype with at least two of them, one flat Concat output.
 * `shape` is each value's ONNX shape: values in the most common form go in as they are, the
 * others through a Reshape to it. `origins` lets the Concat read the parts of concatenations and
 * the wholes of slices (see flattenParts). Returns the place of each packed output by output index.
 */
export function packOutputs(
  b: OnnxGraphBuilder,
  outputs: { value: string; dtype: DType; shape: number[] }[],
  origins: ReadonlyMap<string, Origin> = new Map(),
): Map<number, OutputPlace> {
  const byDtype = new Map<DType, number[]>();
  for (const [k, o] of outputs.entries()) {
    const size = sizeOf(o.shape);
    if (size === 0 || size > PACK_LIMIT) continue;
    const same = byDtype.get(o.dtype);
    if (same) same.push(k);
    else byDtype.set(o.dtype, [k]);
  }
  const places = new Map<number, OutputPlace>();
  for (const [dtype, ks] of byDtype) {
    if (ks.length < 2) continue;
    const form = commonForm(ks.map((k) => outputs[k].shape));
    const formShape = (size: number) => Array.from({ length: form.rank }, (_, i) => (i === (form.row ? form.rank - 1 : 0) ? size : 1));
    const parts = ks.map((k) => {
      const { value, shape } = outputs[k];
      return fits(shape, form) ? value : b.reshape(value, formShape(sizeOf(shape)));
    });
    const name = b.op('Concat', flattenParts(parts, form, origins), { axis: { int: form.row ? form.rank - 1 : 0 } });
    let offset = 0;
    for (const k of ks) {
      places.set(k, { name, offset });
      offset += sizeOf(outputs[k].shape);
    }
    b.output(name, name, dtype, formShape(offset));
  }
  return places;
}
