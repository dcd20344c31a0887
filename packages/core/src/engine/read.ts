import { getBackendInstance } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { fmtShape, NablaError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { yieldIfStarved } from './memory.js';
import { realize, realizeSync } from './realize.js';

/** Reading values back to the host: async everywhere, sync where the backend allows. */

export async function readData(t: Tensor): Promise<TypedArray> {
  // A computed value is read at once (a training loop reads its stats every step); realize
  // also reports a disposed tensor.
  if (!t.storage || t.state.disposed) await realize([t]);
  const s = t.storage;
  if (!s) return readData(t); // realized concurrently under another storage; try again
  const data = await getBackendInstance(t.backend).read(s.buffer, t.dtype, t.size);
  // With the values in hand, let an event loop that has not turned for a while turn once.
  const turn = yieldIfStarved();
  if (turn) await turn;
  return data;
}

export function readDataSync(t: Tensor): TypedArray {
  realizeSync([t]); // also refuses a backend that cannot read synchronously
  const b = getBackendInstance(t.backend);
  return (b.readSync as NonNullable<typeof b.readSync>)(t.storage?.buffer, t.dtype, t.size);
}

export type NestedArray = number | boolean | NestedArray[];

/** Nested JS arrays of the tensor's values; bools as booleans. */
export function toNested(t: Tensor, data: TypedArray): NestedArray {
  const isBool = t.dtype === 'bool';
  const at = (i: number) => (isBool ? data[i] !== 0 : data[i]);
  if (t.rank === 0) return at(0);
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = t.shape[dim];
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === t.rank - 1 ? at(offset + i) : build(dim + 1, offset + i * inner, inner));
    }
    return out;
  };
  try {
    return build(0, 0, t.size);
  } catch (e) {
    // A JavaScript array holds at most about 134 million elements in V8.
    if (!(e instanceof RangeError)) throw e;
    throw new NablaError(
      `array: a tensor of shape ${fmtShape(t.shape)} does not fit in nested JavaScript arrays (${e.message}); ` +
        'read it as a typed array with data()',
    );
  }
}

/** Readable printing: header line, then the values with numpy-like nesting, long axes elided. */
export function formatTensor(t: Tensor, data: TypedArray | null): string {
  const header = `Tensor ${t.dtype} [${t.shape.join(',')}]`;
  if (!data) return `${header} (not computed; read it with await t.data())`;
  const fmt = (v: number) => {
    if (t.dtype === 'bool') return v ? 'true' : 'false';
    if (t.dtype === 'int32') return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return `${v}.`;
    return Number(v.toPrecision(6)).toString();
  };
  const EDGE = 3;
  const LIMIT = 8;
  const rows = (dim: number, offset: number, stride: number, indent: string): string => {
    if (t.rank === 0) return fmt(data[0]);
    const n = t.shape[dim];
    const inner = stride / Math.max(n, 1);
    const picks = n > LIMIT ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    const parts = picks.map((i) =>
      i < 0 ? '...' : dim === t.rank - 1 ? fmt(data[offset + i]) : rows(dim + 1, offset + i * inner, inner, `${indent} `),
    );
    const sep = dim === t.rank - 1 ? ', ' : `,\n${indent} `;
    return `[${parts.join(sep)}]`;
  };
  return `${header}\n${rows(0, 0, t.size, '')}`;
}
