/**
 * A deliberately naive reference for broadcasting elementwise ops: index arithmetic per element,
 * nothing shared with the backends' strided walks.
 */
export function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => shapes.map((s) => s[s.length - rank + i] ?? 1).find((d) => d !== 1) ?? 1);
}

export function refElementwise(
  fn: (...v: number[]) => number,
  operands: { data: ArrayLike<number>; shape: number[] }[],
): { data: number[]; shape: number[] } {
  const shape = broadcastShape(...operands.map((o) => o.shape));
  const size = shape.reduce((a, b) => a * b, 1);
  const data: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    const idx: number[] = [];
    let rest = flat;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = rest % shape[i];
      rest = Math.floor(rest / shape[i]);
    }
    const args = operands.map(({ data: d, shape: s }) => {
      let off = 0;
      for (let i = 0; i < s.length; i++) off = off * s[i] + (s[i] === 1 ? 0 : idx[shape.length - s.length + i]);
      return d[off];
    });
    data.push(fn(...args));
  }
  return { data, shape };
}
