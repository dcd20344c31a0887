/**
 * Charts with Apache ECharts, tree-shaken: only line and bar charts, their axes, legend,
 * tooltip and title, drawn as SVG (crisp at any zoom, and an e2e test can count its paths).
 */
import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TitleComponent,
  type TitleComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([LineChart, BarChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, SVGRenderer]);

type Option = ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption | TooltipComponentOption
>;

export interface Series {
  name: string;
  /** [x, y] points. */
  data: [number, number][];
  /** Dashed, thinner: a secondary series (per-step values under epoch means). */
  faint?: boolean;
  /** Markers at each point (few points: epochs). */
  symbols?: boolean;
  color?: string;
  /** Line width (default 2; 1 when faint). */
  width?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export interface LineChartOptions {
  title: string;
  xName: string;
  yName: string;
  logY?: boolean;
}

/**
 * A line chart that redraws at most once per animation frame however often its data change
 * (steps arrive in bursts). The element's data-points attribute counts the points drawn.
 */
export class Lines {
  private chart: EChartsType | undefined;
  private series: Series[] = [];
  private queued = false;

  constructor(
    readonly el: HTMLElement,
    private readonly opts: LineChartOptions,
  ) {
    onSized(el, (chart) => {
      this.chart = chart;
      this.draw();
    });
  }

  set(series: Series[]): void {
    this.series = series;
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  private draw(): void {
    if (!this.chart) return;
    const { title, xName, yName, logY } = this.opts;
    const positive = logY && this.series.every((s) => s.data.every(([, y]) => y > 0));
    const option: Option = {
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: 13, fontWeight: 600 } },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? Number(v.toPrecision(5)).toString() : String(v)) },
      legend: { bottom: 0, itemWidth: 16, itemGap: 8, textStyle: { fontSize: 11 } },
      grid: { left: 56, right: 16, top: 32, bottom: 60 },
      xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax' },
      yAxis: { type: positive ? 'log' : 'value', name: yName, nameLocation: 'middle', nameGap: 42, scale: true },
      series: this.series.map(
        (s, i): LineSeriesOption => ({
          type: 'line',
          name: s.name,
          data: s.data,
          showSymbol: s.symbols ?? false,
          symbolSize: 6,
          sampling: 'lttb',
          lineStyle: { width: s.width ?? (s.faint ? 1 : 2), opacity: s.faint ? 0.45 : 1 },
          color: s.color ?? PALETTE[i % PALETTE.length],
          z: s.faint ? 1 : 2,
        }),
      ),
    };
    this.chart.setOption(option, { notMerge: true });
    this.el.dataset.points = String(this.series.reduce((n, s) => n + s.data.length, 0));
  }
}

/** A bar chart of one row of values (the drawn digit's class probabilities). */
export class Bars {
  private chart: EChartsType | undefined;
  private values: number[];
  private highlight = -1;

  constructor(
    readonly el: HTMLElement,
    private readonly labels: string[],
    private readonly title: string,
  ) {
    this.values = labels.map(() => 0);
    onSized(el, (chart) => {
      this.chart = chart;
      this.draw();
    });
  }

  set(values: number[], highlight = -1): void {
    this.values = values;
    this.highlight = highlight;
    this.draw();
  }

  private draw(): void {
    const { values, highlight } = this;
    this.chart?.setOption({
      animation: false,
      title: { text: this.title, left: 'center', textStyle: { fontSize: 13, fontWeight: 600 } },
      grid: { left: 36, right: 8, top: 28, bottom: 24 },
      xAxis: { type: 'category', data: this.labels },
      yAxis: { type: 'value', min: 0, max: 1 },
      series: [
        {
          type: 'bar',
          data: values.map((v, i) => ({ value: v, itemStyle: { color: i === highlight ? '#2563eb' : '#94a3b8' } })),
        },
      ],
    } satisfies Option);
  }
}

/**
 * Makes the chart once the element has a size (a chart made in a detached or hidden element
 * would be 0 by 0), and resizes it with the element from then on.
 */
function onSized(el: HTMLElement, ready: (chart: EChartsType) => void): void {
  let chart: EChartsType | undefined;
  new ResizeObserver(() => {
    if (chart) chart.resize();
    else if (el.clientWidth > 0 && el.clientHeight > 0) {
      chart = init(el, undefined, { renderer: 'svg' });
      ready(chart);
    }
  }).observe(el);
}

export const colorOf = (i: number) => PALETTE[i % PALETTE.length];
