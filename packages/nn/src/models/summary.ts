import { type Sequential, singleShape } from './sequential.js';

/** Keras's summary table: layer (type), output shape, parameter count; then the totals. */
export function formatSummary(model: Sequential): string[] {
  const rows: [string, string, string][] = [];
  let shape = model.inputShape ?? [];
  for (const l of model.layers) {
    shape = singleShape(l, l.computeOutputShape(shape));
    rows.push([`${l.name} (${l.className})`, `[null,${shape.map((d) => d ?? 'null').join(',')}]`, String(l.countParams())]);
  }
  const header: [string, string, string] = ['Layer (type)', 'Output shape', 'Param #'];
  const widths = [0, 1, 2].map((c) => Math.max(header[c].length, ...rows.map((r) => r[c].length)) + 3);
  const line = (r: [string, string, string]) => r[0].padEnd(widths[0]) + r[1].padEnd(widths[1]) + r[2];
  const total = widths.reduce((a, b) => a + b, 0);
  const trainable = model.trainableWeights.reduce((n, w) => n + w.value.size, 0);
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
