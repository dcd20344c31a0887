/**
 * A drawing made into an MNIST digit, the way MNIST's own digits were made (LeCun et al.): the
 * ink's bounding box scaled, aspect kept, to fit a 20x20 box with grey levels from the
 * averaging, then placed in a 28x28 image so that its centre of mass is at the centre.
 *
 * `ink` is [height, width] in [0, 1] (1 = ink). Returns 784 values in [0, 1], or null when
 * nothing is drawn.
 */
export function centerDigit(ink: ArrayLike<number>, width: number, height: number, threshold = 0.05): Float32Array | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  // Box filter: each target pixel is the mean of the source pixels whose centres fall in it.
  const sum = new Float64Array(tw * th);
  const count = new Float64Array(tw * th);
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(th - 1, Math.floor(((y - y0 + 0.5) * th) / bh));
    for (let x = x0; x <= x1; x++) {
      const tx = Math.min(tw - 1, Math.floor(((x - x0 + 0.5) * tw) / bw));
      sum[ty * tw + tx] += ink[y * width + x];
      count[ty * tw + tx]++;
    }
  }
  const small = sum.map((s, i) => (count[i] ? s / count[i] : 0));
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const ox = Math.round(14 - cx / mass);
  const oy = Math.round(14 - cy / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox;
      const Y = y + oy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = Math.min(1, small[y * tw + x]);
    }
  }
  return out;
}
