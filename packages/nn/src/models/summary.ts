import type { FunctionalGraph } from './graph.js';
import type { AnyModel } from './model.js';
import type { Sequential } from './sequential.js';
import { singleShape } from './single-shape.js';

type Row = string[];

/** Keras's summary table: a row per layer (call), then the parameter totals. */
function table(model: AnyModel, header: Row, rows: Row[]): string[] {
  const widths = header.map((_, c) => Math.max(header[c].length, ...rows.map((r) => r[c].length)) + 3);
  const line = (r: Row) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('');
  const total = widths.reduce((a, b) => a + b, 0);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const trainable = model.trainableWeights.reduce((n, w) => n + size(w.shape), 0);
  const all = model.countParams();
  return [
    `Model: "${model.name}"`,
    '_'.repeat(total),
    line(header),
    '='.repeat(total),
    ...rows.flatMap((r, i) => [line(r), i < rows.length - 1 ? '_'.repeat(total) : '='.repeat(total)]),
    `Total params: ${all.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(all - trainable).toLocaleString('en-US')}`,
    '_'.repeat(total),
  ];
}

const show = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? 'null').join(',')}]`;

export function formatSummary(model: Sequential): string[] {
  const rows: Row[] = [];
  let shape = model.inputShape ?? [];
  for (const l of model.layers) {
    shape = singleShape(l, l.computeOutputShape(shape));
    rows.push([`${l.name} (${l.className})`, show([null, ...shape]), String(l.countParams())]);
  }
  return table(model, ['Layer (type)', 'Output shape', 'Param #'], rows);
}

/** The functional form: inputs first, a row per layer call, with the tensors it is connected to. */
export function formatGraphSummary(model: AnyModel, g: FunctionalGraph): string[] {
  const rows: Row[] = g.inputs.map((t) => [`${t.name} (InputLayer)`, show(t.shape), '0', '-']);
  const counted = new Set();
  for (const call of g.calls) {
    const params = counted.has(call.layer) ? 0 : call.layer.countParams();
    counted.add(call.layer);
    rows.push([
      `${call.layer.name} (${call.layer.className})`,
      call.outputs.map((t) => show(t.shape)).join(', '),
      String(params),
      call.inputs.map((t) => t.name).join(', '),
    ]);
  }
  return table(model, ['Layer (type)', 'Output shape', 'Param #', 'Connected to'], rows);
}
