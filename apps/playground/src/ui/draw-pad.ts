import { centerDigit } from '../mnist-center.js';
import { h } from './dom.js';

const SIZE = 280;

/**
 * A canvas to draw a digit on with a mouse, a pen or a finger (pointer events), white ink on
 * black as MNIST's digits are. Each finished stroke calls `onDigit` with the drawing made into
 * a centred 28x28 digit (mnist-center.ts), which a small preview shows as the model sees it.
 */
export class DrawPad {
  readonly el: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly preview: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: [number, number] | null = null;

  constructor(private readonly onDigit: (pixels: Float32Array) => void) {
    this.canvas = h('canvas', { width: SIZE, height: SIZE, class: 'pad', 'aria-label': 'draw a digit here' });
    this.preview = h('canvas', { width: 28, height: 28, class: 'preview', title: 'what the model sees (28x28)' });
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    this.clear();
    const at = (e: PointerEvent): [number, number] => {
      const r = this.canvas.getBoundingClientRect();
      return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = at(e);
      this.stroke(this.last, this.last);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing || !this.last) return;
      const p = at(e);
      this.stroke(this.last, p);
      this.last = p;
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.emit();
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.el = h(
      'div',
      { class: 'drawpad' },
      this.canvas,
      h('div', { class: 'pad-side' }, this.preview, h('button', { type: 'button', onclick: () => this.clear() }, 'Clear')),
    );
  }

  private stroke(a: [number, number], b: [number, number]): void {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = 20;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a[0], a[1]);
    c.lineTo(b[0] + 0.01, b[1]);
    c.stroke();
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, SIZE, SIZE);
    this.preview.getContext('2d')?.clearRect(0, 0, 28, 28);
  }

  /** The drawing as a digit, shown in the preview and handed on. */
  private emit(): void {
    const rgba = this.ctx.getImageData(0, 0, SIZE, SIZE).data;
    const ink = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
    const digit = centerDigit(ink, SIZE, SIZE);
    if (!digit) return;
    const img = new ImageData(28, 28);
    digit.forEach((v, i) => {
      const g = Math.round(v * 255);
      img.data.set([g, g, g, 255], 4 * i);
    });
    this.preview.getContext('2d')?.putImageData(img, 0, 0);
    this.onDigit(digit);
  }
}

/** Test digits with predictions: a wrong one is outlined red and names the true label. */
export function digitGrid(pixels: Uint8Array, labels: number[], predictions: number[]): HTMLElement {
  const cells = labels.map((label, i) => {
    const c = h('canvas', { width: 28, height: 28 });
    const img = new ImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const g = pixels[i * 784 + p];
      img.data.set([g, g, g, 255], 4 * p);
    }
    c.getContext('2d')?.putImageData(img, 0, 0);
    const wrong = predictions[i] !== label;
    return h(
      'figure',
      { class: wrong ? 'digit wrong' : 'digit', title: `label ${label}, predicted ${predictions[i]}` },
      c,
      h('figcaption', {}, wrong ? `${predictions[i]} (is ${label})` : String(predictions[i])),
    );
  });
  const wrong = predictions.filter((p, i) => p !== labels[i]).length;
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, `The first ${labels.length} held-out digits: ${labels.length - wrong} right, ${wrong} wrong (outlined).`),
    h('div', { class: 'digit-grid', 'data-wrong': wrong }, ...cells),
  );
}
