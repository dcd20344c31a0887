import type { OnnxGraphBuilder } from '../onnx/builder.js';
import type { OnnxExportContext, OnnxExporter, OnnxExportResult } from './types.js';

/**
 * SimpleRNN, LSTM and GRU, and Bidirectional over them. Without a mask they are ONNX's RNN, LSTM
 * and GRU ops (time-major: onnxruntime has no batch-major layout 1), their weights laid out as ONNX takes them: each kernel
 * transposed, LSTM's gate blocks from Keras's i, f, c, o to ONNX's i, o, f, c, GRU's z, r, h as
 * they are with linear_before_reset for Keras's resetAfter, the bias as [input part, recurrent
 * part]. With a mask (any positions, not only trailing padding, which is all ONNX's
 * sequence_lens can say) or an activation the ops lack, the steps are unrolled as the layer
 * unrolls them: a masked step carries the states and the output through.
 */

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU';

interface Cell {
  kind: Kind;
  units: number;
  activation: string;
  recurrentActivation: string;
  resetAfter: boolean;
  /** The weights' names' prefix: '' for the layer's own, `forward_lstm/` for a Bidirectional's. */
  prefix: string;
}

interface Direction {
  goBackwards: boolean;
  returnSequences: boolean;
  /** With goBackwards, outputs in the sequence's order rather than the order read (Bidirectional's backward layer). */
  timeOrder: boolean;
  /** A masked step's output is zeros, not the last output (Bidirectional's layers that return sequences). */
  zeroOutputForMask: boolean;
}

const GATES: Record<Kind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };
/** Keras's gate blocks in the order ONNX wants them. */
const ORDER: Record<Kind, number[]> = { SimpleRNN: [0], LSTM: [0, 3, 1, 2], GRU: [0, 1, 2] };
/** Keras activations that ONNX's recurrent ops take by name (ONNX's defaults for HardSigmoid and Elu are Keras's). */
const RNN_ACTIVATIONS: Record<string, string> = {
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  hardSigmoid: 'HardSigmoid',
  elu: 'Elu',
  softsign: 'Softsign',
  softplus: 'Softplus',
};

function cellOf(className: string, c: Record<string, unknown>, prefix: string): Cell {
  return {
    kind: className as Kind,
    units: c.units as number,
    activation: String(c.activation ?? 'tanh'),
    recurrentActivation: String(c.recurrentActivation ?? 'sigmoid'),
    resetAfter: c.resetAfter !== false,
    prefix,
  };
}

/** A Keras kernel [rows, gates * units] as ONNX's [1, gates * units, rows], its gate blocks reordered. */
function gateMatrix(data: Float32Array, rows: number, cell: Cell): Float32Array {
  const u = cell.units;
  const out = new Float32Array(data.length);
  ORDER[cell.kind].forEach((block, k) => {
    for (let j = 0; j < u; j++) for (let i = 0; i < rows; i++) out[(k * u + j) * rows + i] = data[i * GATES[cell.kind] * u + block * u + j];
  });
  return out;
}

function gateVector(data: Float32Array, cell: Cell): Float32Array {
  const u = cell.units;
  const out = new Float32Array(data.length);
  ORDER[cell.kind].forEach((block, k) => {
    out.set(data.subarray(block * u, (block + 1) * u), k * u);
  });
  return out;
}

/** Columns [from, to) of a [batch, n] value. */
function cols(b: OnnxGraphBuilder, v: string, from: number, to: number): string {
  return b.op('Slice', [v, b.int64s([from]), b.int64s([to]), b.int64s([1])]);
}

interface Run {
  output: string;
  states: string[];
}

/** ONNX's RNN, LSTM or GRU op, one direction. */
async function onnxOp(ctx: OnnxExportContext, cell: Cell, dir: Direction, x: string, features: number, initial: string[]): Promise<Run> {
  const b = ctx.builder;
  const u = cell.units;
  const k = GATES[cell.kind] * u;
  const kernel = await ctx.weightData(`${cell.prefix}kernel`);
  const recurrent = await ctx.weightData(`${cell.prefix}recurrent_kernel`);
  const w = b.constant({ type: 'float32', shape: [1, k, features], data: gateMatrix(kernel.data, features, cell) });
  const r = b.constant({ type: 'float32', shape: [1, k, u], data: gateMatrix(recurrent.data, u, cell) });
  let bias = '';
  if (ctx.hasWeight(`${cell.prefix}bias`)) {
    const data = (await ctx.weightData(`${cell.prefix}bias`)).data;
    const both = new Float32Array(2 * k);
    // GRU's resetAfter bias is [input row, recurrent row] already, as ONNX's B; the others have no recurrent part.
    if (cell.kind === 'GRU' && cell.resetAfter) both.set(data);
    else both.set(gateVector(data, cell));
    bias = b.constant({ type: 'float32', shape: [1, 2 * k], data: both });
  }
  const states = initial.map((s) => b.op('Unsqueeze', [s, b.int64s([0])]));
  const fn = (name: string) => RNN_ACTIVATIONS[name];
  const activations =
    cell.kind === 'SimpleRNN'
      ? [fn(cell.activation)]
      : cell.kind === 'LSTM'
        ? [fn(cell.recurrentActivation), fn(cell.activation), fn(cell.activation)]
        : [fn(cell.recurrentActivation), fn(cell.activation)];
  const attrs = {
    hidden_size: { int: u },
    direction: { string: dir.goBackwards ? 'reverse' : 'forward' },
    activations: { strings: activations },
    ...(cell.kind === 'GRU' ? { linear_before_reset: { int: cell.resetAfter ? 1 : 0 } } : {}),
  };
  const inputs = [b.op('Transpose', [x], { perm: { ints: [1, 0, 2] } }), w, r, bias, '', ...states];
  const outs = b.node(cell.kind === 'SimpleRNN' ? 'RNN' : cell.kind, inputs, attrs, cell.kind === 'LSTM' ? 3 : 2);
  const squeeze = (v: string, axis: number) => b.op('Squeeze', [v, b.int64s([axis])]);
  const finals = outs.slice(1).map((s) => squeeze(s, 0));
  if (!dir.returnSequences) return { output: finals[0], states: finals };
  // Y is [time, directions, batch, units].
  let y = squeeze(outs[0], 1);
  // ONNX lays a reverse pass's outputs in the sequence's order; Keras in the order read.
  if (dir.goBackwards && !dir.timeOrder) {
    y = b.op('Slice', [y, b.int64s([-1]), b.int64s([Number.MIN_SAFE_INTEGER]), b.int64s([0]), b.int64s([-1])]);
  }
  return { output: b.op('Transpose', [y], { perm: { ints: [1, 0, 2] } }), states: finals };
}

/** The steps unrolled as the layer computes them, with masks. */
async function unrolled(
  ctx: OnnxExportContext,
  cell: Cell,
  dir: Direction,
  x: string,
  time: number,
  initial: string[],
  mask: string | null,
): Promise<Run> {
  const b = ctx.builder;
  const u = cell.units;
  const k = GATES[cell.kind] * u;
  const act = (v: string) => ctx.activation(cell.activation, v);
  const gate = (v: string) => ctx.activation(cell.recurrentActivation, v);
  const add = (p: string, q: string) => b.op('Add', [p, q]);
  const mul = (p: string, q: string) => b.op('Mul', [p, q]);
  const recurrent = await ctx.weight(`${cell.prefix}recurrent_kernel`);
  let projected = b.op('MatMul', [x, await ctx.weight(`${cell.prefix}kernel`)]);
  let recurrentBias: string | null = null;
  if (ctx.hasWeight(`${cell.prefix}bias`)) {
    const bias = await ctx.weightData(`${cell.prefix}bias`);
    const rows = cell.kind === 'GRU' && cell.resetAfter ? 2 : 1;
    projected = add(projected, b.constant({ type: 'float32', shape: [k], data: bias.data.subarray(0, k) }));
    if (rows === 2) recurrentBias = b.constant({ type: 'float32', shape: [k], data: bias.data.subarray(k) });
  }
  const zeros = b.op('Expand', [
    b.scalar('float32', 0),
    b.op('Concat', [b.op('Shape', [x], { start: { int: 0 }, end: { int: 1 } }), b.int64s([u])], { axis: { int: 0 } }),
  ]);
  let states = initial.length > 0 ? initial : new Array(cell.kind === 'LSTM' ? 2 : 1).fill(zeros);
  let output = mask ? zeros : states[0];
  const outputs: string[] = [];
  for (let i = 0; i < time; i++) {
    const t = dir.goBackwards ? time - 1 - i : i;
    const index = b.constant({ type: 'int64', shape: [], data: [BigInt(t)] });
    const xt = b.op('Gather', [projected, index], { axis: { int: 1 } });
    const [h] = states;
    let next: string[];
    if (cell.kind === 'SimpleRNN') next = [act(add(xt, b.op('MatMul', [h, recurrent])))];
    else if (cell.kind === 'LSTM') {
      const z = add(xt, b.op('MatMul', [h, recurrent]));
      const [zi, zf, zc, zo] = [0, 1, 2, 3].map((g) => cols(b, z, g * u, (g + 1) * u));
      const c = add(mul(gate(zf), states[1]), mul(gate(zi), act(zc)));
      next = [mul(gate(zo), act(c)), c];
    } else {
      const [xz, xr, xh] = [0, 1, 2].map((g) => cols(b, xt, g * u, (g + 1) * u));
      let candidate: string;
      let z: string;
      if (cell.resetAfter) {
        let inner = b.op('MatMul', [h, recurrent]);
        if (recurrentBias) inner = add(inner, recurrentBias);
        const [rz, rr, rh] = [0, 1, 2].map((g) => cols(b, inner, g * u, (g + 1) * u));
        z = gate(add(xz, rz));
        candidate = add(xh, mul(gate(add(xr, rr)), rh));
      } else {
        const zr = b.op('MatMul', [h, cols(b, recurrent, 0, 2 * u)]);
        z = gate(add(xz, cols(b, zr, 0, u)));
        const r = gate(add(xr, cols(b, zr, u, 2 * u)));
        candidate = add(xh, b.op('MatMul', [mul(r, h), cols(b, recurrent, 2 * u, 3 * u)]));
      }
      next = [add(mul(z, h), mul(b.op('Sub', [b.scalar('float32', 1), z]), act(candidate)))];
    }
    if (mask) {
      const m = b.op('Unsqueeze', [b.op('Gather', [mask, index], { axis: { int: 1 } }), b.int64s([1])]);
      output = b.op('Where', [m, next[0], dir.zeroOutputForMask ? zeros : output]);
      const previous = states;
      states = next.map((s, j) => b.op('Where', [m, s, previous[j]]));
    } else {
      output = next[0];
      states = next;
    }
    if (dir.returnSequences) outputs.push(output);
  }
  if (!dir.returnSequences) return { output, states };
  if (dir.goBackwards && dir.timeOrder) outputs.reverse();
  const stacked = b.op(
    'Concat',
    outputs.map((o) => b.op('Unsqueeze', [o, b.int64s([1])])),
    { axis: { int: 1 } },
  );
  return { output: stacked, states };
}

async function direction(
  ctx: OnnxExportContext,
  cell: Cell,
  dir: Direction,
  x: string,
  initial: string[],
  mask: string | null,
): Promise<Run> {
  const [time, features] = ctx.inputShapes[0];
  const names = [cell.activation, ...(cell.kind === 'SimpleRNN' ? [] : [cell.recurrentActivation])];
  if (mask === null && names.every((n) => n in RNN_ACTIVATIONS)) return onnxOp(ctx, cell, dir, x, features, initial);
  return unrolled(ctx, cell, dir, x, time, initial, mask);
}

const recurrentLayer: OnnxExporter = async (ctx) => {
  const c = ctx.config;
  const [x, ...initial] = ctx.inputs;
  const dir = {
    goBackwards: c.goBackwards === true,
    returnSequences: c.returnSequences === true,
    timeOrder: false,
    zeroOutputForMask: false,
  };
  const mask = ctx.masks[0];
  const run = await direction(ctx, cellOf(ctx.layer.className, c, ''), dir, x, initial, mask);
  const outputMask = dir.returnSequences ? mask : null;
  if (c.returnState !== true) return { outputs: [run.output], masks: [outputMask] };
  return { outputs: [run.output, ...run.states], masks: [outputMask, ...run.states.map(() => null)] };
};

/**
 * Keras's Bidirectional: the wrapped layer's config run forward and backward (its sublayers'
 * weights `forward_<name>/...` and `backward_<name>/...`), the backward outputs in time order,
 * merged by mergeMode; with returnState, the forward states then the backward ones.
 */
const Bidirectional: OnnxExporter = async (ctx) => {
  const b = ctx.builder;
  const inner = ctx.config.layer as { className: string; config: Record<string, unknown> };
  const base = String(inner.config.name ?? inner.className.toLowerCase());
  const mode = ctx.config.mergeMode === undefined ? 'concat' : (ctx.config.mergeMode as string | null);
  const [x, ...initial] = ctx.inputs;
  const half = initial.length / 2;
  const mask = ctx.masks[0];
  const returnSequences = inner.config.returnSequences === true;
  const backwards = inner.config.goBackwards === true;
  const run = (name: string, goBackwards: boolean, timeOrder: boolean, states: string[]) =>
    direction(
      ctx,
      cellOf(inner.className, inner.config, `${name}_${base}/`),
      { goBackwards, returnSequences, timeOrder, zeroOutputForMask: returnSequences },
      x,
      states,
      mask,
    );
  const forward = await run('forward', backwards, false, initial.slice(0, half));
  const backward = await run('backward', !backwards, true, initial.slice(half));
  const merged =
    mode === null
      ? [forward.output, backward.output]
      : mode === 'concat'
        ? [b.op('Concat', [forward.output, backward.output], { axis: { int: -1 } })]
        : mode === 'sum'
          ? [b.op('Add', [forward.output, backward.output])]
          : mode === 'mul'
            ? [b.op('Mul', [forward.output, backward.output])]
            : [b.op('Mul', [b.op('Add', [forward.output, backward.output]), b.scalar('float32', 0.5)])];
  const outputMask = returnSequences ? mask : null;
  const states = inner.config.returnState === true ? [...forward.states, ...backward.states] : [];
  return {
    outputs: [...merged, ...states],
    masks: [...merged.map(() => outputMask), ...states.map(() => null)],
  } satisfies OnnxExportResult;
};

export const RECURRENT_EXPORTERS: Record<string, OnnxExporter> = {
  SimpleRNN: recurrentLayer,
  LSTM: recurrentLayer,
  GRU: recurrentLayer,
  Bidirectional,
};
