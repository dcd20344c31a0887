import { describe, expect, test } from 'vitest';
import { centerDigit } from './mnist-center.js';

/** A w x h drawing with a filled rectangle of ink at [x, x + rw) x [y, y + rh). */
function rect(w: number, h: number, x: number, y: number, rw: number, rh: number): Float32Array {
  const ink = new Float32Array(w * h);
  for (let j = y; j < y + rh; j++) for (let i = x; i < x + rw; i++) ink[j * w + i] = 1;
  return ink;
}

function box(img: Float32Array) {
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  let mass = 0;
  let cx = 0;
  let cy = 0;
  img.forEach((v, k) => {
    if (v <= 0) return;
    const x = k % 28;
    const y = Math.floor(k / 28);
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    mass += v;
    cx += v * (x + 0.5);
    cy += v * (y + 0.5);
  });
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: cx / mass, cy: cy / mass };
}

describe('centerDigit', () => {
  test('nothing drawn gives null', () => {
    expect(centerDigit(new Float32Array(100 * 100), 100, 100)).toBeNull();
  });

  test('a stroke in a corner is scaled to 20 pixels on its long side and centred by mass', () => {
    // A tall bar 30 wide and 120 high in the top-left of a 280x280 pad.
    const out = centerDigit(rect(280, 280, 10, 5, 30, 120), 280, 280) as Float32Array;
    const b = box(out);
    expect(b.h).toBe(20);
    expect(b.w).toBe(5);
    expect(Math.abs(b.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(b.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  test('a wide stroke keeps its aspect and its ink averages into grey edges', () => {
    // 100 wide, 15 high: 20 x 3 after scaling; 15 rows do not split evenly into 3, but each
    // target row averages whole source rows of full ink, so values stay in (0, 1].
    const out = centerDigit(rect(280, 280, 150, 200, 100, 15), 280, 280) as Float32Array;
    const b = box(out);
    expect(b.w).toBe(20);
    expect(b.h).toBe(3);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  test('an off-centre mass (an L shape) puts the centre of mass, not the box, at the centre', () => {
    const ink = rect(200, 200, 20, 20, 20, 160);
    for (let j = 160; j < 180; j++) for (let i = 20; i < 180; i++) ink[j * 200 + i] = 1;
    const b = box(centerDigit(ink, 200, 200) as Float32Array);
    expect(Math.abs(b.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(b.cy - 14)).toBeLessThanOrEqual(0.5);
  });
});
