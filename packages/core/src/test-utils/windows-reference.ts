/**
 * Deliberately naive references for convolution and pooling: one loop per output element over
 * its window, with index arithmetic written out, sharing nothing with ops/windows.ts. Checked
 * against TensorFlow.js 4.22 (the literal cases in conv.test.ts and pool.test.ts come from it).
 * Layouts are channels-last: x [batch, ...spatial, channels].
 */

export interface Tensorish {
  data: number[];
  shape: number[];
}

/** Every multi-index of a shape, in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array<number>(shape.length);
    let rest = flat;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = rest % shape[i];
      rest = Math.floor(rest / shape[i]);
    }
    yield idx;
  }
}

function offset(shape: readonly number[], idx: readonly number[]): number {
  let o = 0;
  for (let i = 0; i < shape.length; i++) o = o * shape[i] + idx[i];
  return o;
}

/** TensorFlow's SAME padding for one axis: [before, after], the odd one after. */
export function samePads(n: number, k: number, s: number, d: number): [number, number] {
  const span = (k - 1) * d + 1;
  const total = Math.max((Math.ceil(n / s) - 1) * s + span - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function outSize(n: number, k: number, s: number, d: number, [a, b]: [number, number]): number {
  return Math.floor((n + a + b - ((k - 1) * d + 1)) / s) + 1;
}

/** y[b, o, co] = sum over window t and ci of its group: x[b, o * s + t * d - before, ci] k[t, ci - group start, co]. */
export function refConv(
  x: Tensorish,
  k: Tensorish,
  strides: number[],
  dilations: number[],
  pads: [number, number][],
  groups = 1,
): Tensorish {
  const rank = x.shape.length - 2;
  const [batch, cin] = [x.shape[0], x.shape[rank + 1]];
  const window = k.shape.slice(0, rank);
  const [cinG, cout] = k.shape.slice(rank);
  const coutG = cout / groups;
  const spatial = x.shape.slice(1, rank + 1).map((n, i) => outSize(n, window[i], strides[i], dilations[i], pads[i]));
  const shape = [batch, ...spatial, cout];
  const data: number[] = [];
  for (const idx of indices(shape)) {
    const [b, co] = [idx[0], idx[rank + 1]];
    const g = Math.floor(co / coutG);
    let sum = 0;
    for (const t of indices(window)) {
      const at = t.map((ti, i) => idx[i + 1] * strides[i] + ti * dilations[i] - pads[i][0]);
      if (at.some((a, i) => a < 0 || a >= x.shape[i + 1])) continue;
      for (let c = 0; c < cinG; c++) {
        sum += x.data[offset(x.shape, [b, ...at, g * cinG + c])] * k.data[offset(k.shape, [...t, c, co])];
      }
    }
    data.push(sum);
  }
  if (cin !== cinG * groups) throw new Error('refConv: channels do not match the groups');
  return { data, shape };
}

/**
 * The transposed convolution by its definition, a scatter: x[b, i, ci] k[t, co, ci] is added to
 * y[b, i * s + t * d - before, co] for each window offset t, within the given output size.
 */
export function refConvTranspose(
  x: Tensorish,
  k: Tensorish,
  outSpatial: number[],
  strides: number[],
  dilations: number[],
  before: number[],
): Tensorish {
  const rank = x.shape.length - 2;
  const window = k.shape.slice(0, rank);
  const [cout, cin] = k.shape.slice(rank);
  const shape = [x.shape[0], ...outSpatial, cout];
  const data = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
  for (const idx of indices(x.shape.slice(0, rank + 1))) {
    for (const t of indices(window)) {
      const at = t.map((ti, i) => idx[i + 1] * strides[i] + ti * dilations[i] - before[i]);
      if (at.some((a, i) => a < 0 || a >= outSpatial[i])) continue;
      for (let co = 0; co < cout; co++) {
        for (let ci = 0; ci < cin; ci++) {
          data[offset(shape, [idx[0], ...at, co])] += x.data[offset(x.shape, [...idx, ci])] * k.data[offset(k.shape, [...t, co, ci])];
        }
      }
    }
  }
  return { data, shape };
}

/** Max or mean over each window's elements inside x (padding never counts). */
export function refPool(x: Tensorish, size: number[], strides: number[], pads: [number, number][], kind: 'max' | 'avg'): Tensorish {
  const rank = x.shape.length - 2;
  const spatial = x.shape.slice(1, rank + 1).map((n, i) => outSize(n, size[i], strides[i], 1, pads[i]));
  const shape = [x.shape[0], ...spatial, x.shape[rank + 1]];
  const data: number[] = [];
  for (const idx of indices(shape)) {
    let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
    let count = 0;
    for (const t of indices(size)) {
      const at = t.map((ti, i) => idx[i + 1] * strides[i] + ti - pads[i][0]);
      if (at.some((a, i) => a < 0 || a >= x.shape[i + 1])) continue;
      const v = x.data[offset(x.shape, [idx[0], ...at, idx[rank + 1]])];
      acc = kind === 'max' ? (Number.isNaN(v) || Number.isNaN(acc) ? Number.NaN : Math.max(acc, v)) : acc + v;
      count++;
    }
    data.push(kind === 'max' ? acc : acc / count);
  }
  return { data, shape };
}
