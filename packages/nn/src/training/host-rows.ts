import * as nb from '@nabla/core';
import { consecutive } from './data.js';
import type { Chunk } from './feed.js';

/**
 * Batches gathered on the host, for backends whose runs copy every input whole
 * (`capabilities.copiesInputsPerRun`: onnxruntime-web copies its feeds into WebAssembly memory).
 * Gathering inside the compiled step, as the other backends do, would feed the whole training set
 * to every step, so a step's cost would grow with the data: on onnx-wasm the MNIST MLP (batch 64)
 * trained at about 19,000 samples/s on 2,560 samples and 3,000 on 40,960. Here a step is fed its
 * batch only (its indices are then 0..n-1, as for a dataset's batch), from a host copy of x, y and
 * the sample weights read once, on the first epoch.
 */
export class HostRows {
  private host: { x: nb.TypedArray; y: nb.TypedArray; w: nb.TypedArray | null } | null = null;

  private constructor(
    private readonly x: nb.Tensor,
    private readonly y: nb.Tensor,
    private readonly w: nb.Tensor | null,
  ) {}

  /** A gatherer when x's backend copies its inputs on every run (and new tensors land there); else null. */
  static when(x: nb.Tensor, y: nb.Tensor, w: nb.Tensor | null): HostRows | null {
    const copies = nb.getBackendInstance(x.backend).capabilities.copiesInputsPerRun === true;
    return copies && nb.getBackend() === x.backend ? new HostRows(x, y, w) : null;
  }

  /** Reads x, y and the weights to the host, once; undefined when already done. */
  load(): Promise<void> | undefined {
    if (this.host) return undefined;
    return (async () => {
      const [x, y, w] = await Promise.all([this.x.data(), this.y.data(), this.w?.data() ?? null]);
      this.host = { x, y, w };
    })();
  }

  /** The chunk of the given steps' samples: their rows of x, y and w, in order, as new tensors. */
  chunk(groups: Int32Array[]): Chunk {
    const host = this.host;
    if (!host) throw new nb.NablaError('fit: internal error: the batches were asked for before the data was read');
    const local = consecutive(groups.map((g) => g.length));
    const order = new Int32Array(groups.reduce((n, g) => n + g.length, 0));
    let at = 0;
    for (const g of groups) {
      order.set(g, at);
      at += g.length;
    }
    const x = rows(this.x, host.x, order);
    const y = rows(this.y, host.y, order);
    const w = this.w && host.w ? rows(this.w, host.w, order) : null;
    return { x, y, w, groups: local, release: () => nb.dispose([x, y, w]) };
  }

  /** Lets the host copies go (the end of fit or evaluate). */
  release(): void {
    this.host = null;
  }
}

/** The given rows (first axis) of a tensor whose values are on the host, as a new tensor. */
function rows(t: nb.Tensor, data: nb.TypedArray, order: Int32Array): nb.Tensor {
  const width = t.shape[0] === 0 ? 0 : data.length / t.shape[0];
  const out = new (data.constructor as new (n: number) => nb.TypedArray)(order.length * width);
  for (let i = 0; i < order.length; i++) {
    const from = order[i] * width;
    out.set(data.subarray(from, from + width), i * width);
  }
  return nb.tensor(out, [order.length, ...t.shape.slice(1)], t.dtype);
}
