import { lstat, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { UsageError } from './args.js';

/** The colours of a quantity's training and validation lines (the tests find the lines by them). */
export const TRAIN_COLOR = '#1f6fb4';
export const VALIDATION_COLOR = '#e8710a';
/** The first line of every SVG nabla writes: what lets a later --plot replace it (and nothing else). */
export const SVG_MARK = '<!-- nabla train: loss and metrics per epoch -->';

/** The quantities of a history, each with its validation twin if fit recorded one: loss first, then the metrics. */
export function quantities(history: Record<string, number[]>): { name: string; train: number[]; validation?: number[] }[] {
  const names = Object.keys(history).filter((k) => !k.startsWith('val_') && k !== 'lr');
  names.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  return names.map((name) => ({ name, train: history[name], ...(history[`val_${name}`] ? { validation: history[`val_${name}`] } : {}) }));
}

const PANEL = 220;
const WIDTH = 760;

/**
 * An SVG of loss and each metric per epoch, one panel each, the validation values beside the
 * training ones: Apache ECharts' server-side SVG renderer (no DOM), imported only when asked for.
 */
export async function historySvg(history: Record<string, number[]>, title: string): Promise<string> {
  const echarts = await import('echarts');
  const panels = quantities(history);
  if (panels.length === 0) throw new Error('plot: the history has no loss to plot');
  const top = 70;
  const height = top + panels.length * PANEL + 20;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  const grid = panels.map((_, i) => ({ left: 70, right: 30, top: top + i * PANEL, height: PANEL - 70 }));
  const series = panels.flatMap((p, i) => {
    const line = (name: string, values: number[], color: string) => ({
      type: 'line' as const,
      name,
      xAxisIndex: i,
      yAxisIndex: i,
      data: values.map((v, e) => [e + 1, v]),
      showSymbol: values.length <= 30,
      symbolSize: 4,
      lineStyle: { color, width: 2 },
      itemStyle: { color },
    });
    // Named by kind, not quantity: one legend entry each for training and validation, the panels named on their axes.
    return [line('training', p.train, TRAIN_COLOR), ...(p.validation ? [line('validation', p.validation, VALIDATION_COLOR)] : [])];
  });
  const epochs = panels[0].train.length;
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 15 } },
    legend: { top: 34, data: [...new Set(series.map((s) => s.name))] },
    grid,
    xAxis: panels.map((_, i) => ({
      type: 'value',
      gridIndex: i,
      min: 1,
      max: Math.max(epochs, 2),
      minInterval: 1,
      name: 'epoch',
      nameLocation: 'middle',
      nameGap: 26,
    })),
    yAxis: panels.map((p, i) => ({ type: 'value', gridIndex: i, scale: true, name: p.name, nameTextStyle: { align: 'left' } })),
    series,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  // A <title> names the chart to screen readers and image viewers; ECharts draws its title as text only.
  const titled = svg.replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(title)}</title>`);
  return `${SVG_MARK}\n${titled}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Writes `text` to `path` atomically, replacing only a file that starts with `mark` (one nabla
 * wrote): any other file, or a folder, is left alone and the write refused.
 */
export async function writeOwnFile(op: string, path: string, text: string, mark: string | ((old: string) => boolean)): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    const ours =
      existing.isFile() &&
      (await readFile(path, 'utf8').then(
        (old) => (typeof mark === 'string' ? old.startsWith(mark) : mark(old)),
        () => false,
      ));
    if (!ours)
      throw new UsageError(
        `${op}: ${path} exists and nabla did not write it; nabla does not overwrite other files (move it, or choose another path)`,
      );
  }
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/**
 * The loss per epoch as a small terminal chart (asciichart), at most `columns` wide: every k-th
 * epoch when there are more. A loss that falls by more than 10x is drawn on a log scale (labels
 * still the loss), or its first epochs would flatten the rest.
 */
export function terminalChart(loss: number[], columns: number): string {
  const room = Math.max(20, Math.min(columns, 120) - 14);
  const step = Math.ceil(loss.length / room);
  const points = loss.filter((_, i) => i % step === 0 || i === loss.length - 1);
  const positive = points.every((v) => v > 0 && Number.isFinite(v));
  const log = positive && Math.max(...points) / Math.min(...points) > 10;
  const digits = Math.max(...points.map(Math.abs)) >= 10 ? 2 : 4;
  // CommonJS, and its types' default export is a colour: required, typed as the module.
  const asciichart = createRequire(import.meta.url)('asciichart') as typeof import('asciichart');
  const chart = asciichart.plot(log ? points.map(Math.log10) : points, {
    height: 8,
    format: (y: number) => (log ? 10 ** y : y).toFixed(digits).padStart(10),
  });
  const every = step === 1 ? '' : step === 2 ? ', every other epoch' : `, every ${step}${ordinal(step)} epoch`;
  return `loss per epoch (${loss.length} epochs${every}${log ? ', log scale' : ''}):\n${chart}`;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}
