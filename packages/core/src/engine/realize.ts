import { type Backend, getBackendInstance } from '../backend.js';
import { bytesPerElement, isFloat, type TypedArray } from '../dtype.js';
import { fmtShape, NablaError } from '../errors.js';
import type { Graph, GraphNode } from '../graph.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { beginRun, cached, endRun, store } from './cache.js';
import { attachStorage, dropInputs, makeStorage, pin, unpin } from './memory.js';
import { engine } from './state.js';

/**
 * Turning lazy tensors into values. The pending nodes behind the targets become one Graph of
 * primitives; the backend compiles it once per structure (ops, attributes, shapes, dtypes) and
 * runs it with the realized tensors it reads as inputs.
 */

export interface Plan {
  backend: Backend;
  backendName: string;
  graph: Graph;
  key: string;
  leaves: Tensor[];
  /** The tensors that receive the graph's outputs, in order. */
  receivers: Tensor[];
  /** In debug mode: the node behind each output, for the NaN report. */
  debugNodes: Tensor[] | null;
}

/** A stopGradient node computes its input; follow aliases to the tensor that does the work. */
function unalias(t: Tensor): Tensor {
  while (t.op === 'stopGradient' && !t.storage) t = (t.inputs as Tensor[])[0];
  return t;
}

/**
 * The graph behind the targets. Normally realized targets are skipped; with `all` (nb.jit),
 * every target is an output, a realized one as a copy of its input.
 */
export function plan(targets: Tensor[], all = false): Plan | null {
  if (engine.jitDepth > 0) {
    throw new NablaError('jit: a compiled function cannot read or realize values while it is traced; return them instead');
  }
  const wanted: Tensor[] = [];
  for (const t of targets) {
    if (t.state.disposed && !all) throw new NablaError(`read: tensor was disposed (shape ${fmtShape(t.shape)}, ${t.dtype})`);
    if (all || !t.storage) wanted.push(t);
  }
  if (wanted.length === 0) return null;
  const backendName = wanted[0].backend;
  for (const t of wanted) {
    if (t.backend !== backendName) {
      throw new NablaError(`realize: tensors live on different backends ('${backendName}' and '${t.backend}')`);
    }
  }

  // Iterative post-order DFS over unrealized nodes: deep graphs must not overflow the stack.
  const ids = new Map<Tensor, number>();
  const leaves: Tensor[] = [];
  const order: Tensor[] = [];
  const stack: [Tensor, number][] = [];
  const visit = (t: Tensor) => {
    t = unalias(t);
    if (ids.has(t)) return;
    if (t.storage) {
      ids.set(t, -1 - leaves.length);
      leaves.push(t);
    } else {
      ids.set(t, Number.NaN);
      stack.push([t, 0]);
    }
  };
  for (const t of wanted) {
    visit(t);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top[0].inputs as Tensor[];
      if (top[1] < inputs.length) visit(inputs[top[1]++]);
      else {
        stack.pop();
        ids.set(top[0], order.length);
        order.push(top[0]);
      }
    }
  }

  const n = leaves.length;
  // Node k of `order` becomes graph node remap[k]: identical nodes (same op, attributes, operands)
  // are computed once. Composite code repeats itself more than one would think: a loss and the
  // same metric, an optimizer's bias corrections for every parameter.
  const remap: number[] = [];
  const id = (t: Tensor) => {
    const i = ids.get(unalias(t)) as number;
    return i < 0 ? -1 - i : n + remap[i];
  };
  const keyParts: string[] = [];
  const inputs = leaves.map((t) => {
    keyParts.push(`${t.dtype}${t.shape.join('x')}`);
    return { shape: [...t.shape], dtype: t.dtype };
  });
  keyParts.push('|');
  const nodes: GraphNode[] = [];
  const seen = new Map<string, number>();
  for (const t of order) {
    const ins = (t.inputs as Tensor[]).map(id);
    const part = `${t.attrKey}(${ins.join(',')})${t.shape.join('x')}`;
    const same = engine.debug ? undefined : seen.get(part);
    if (same !== undefined) {
      remap.push(same);
      continue;
    }
    seen.set(part, nodes.length);
    remap.push(nodes.length);
    keyParts.push(part);
    nodes.push({ op: t.op, attrs: t.attrs, inputs: ins, shape: [...t.shape], dtype: t.dtype, label: t.label } as GraphNode);
  }
  const debugNodes = engine.debug ? order : null;
  const receivers = debugNodes ?? wanted;
  const outputs = receivers.map(id);
  keyParts.push(`|${outputs.join(',')}`);
  return {
    backend: getBackendInstance(backendName),
    backendName,
    graph: { inputs, nodes, outputs },
    key: keyParts.join(';'),
    leaves,
    receivers,
    debugNodes,
  };
}

function finish(p: Plan, buffers: unknown[], hostValues: TypedArray[] | null): void {
  p.receivers.forEach((t, i) => {
    if (t.storage || t.state.disposed) {
      // Realized concurrently, or nobody can read it: keep nothing.
      p.backend.dispose(buffers[i]);
      return;
    }
    attachStorage(t, makeStorage(p.backendName, buffers[i], t.size * bytesPerElement(t.dtype)));
    if (engine.traceDepth === 0 && !p.debugNodes) dropInputs(t);
  });
  if (p.debugNodes && hostValues) {
    reportNonFinite(p, hostValues);
    if (engine.traceDepth === 0) for (const t of p.receivers) dropInputs(t);
  }
}

/** Debug mode: names the first node whose output is not finite although its operands were. */
function reportNonFinite(p: Plan, values: TypedArray[]): void {
  const byTensor = new Map<Tensor, TypedArray>();
  p.receivers.forEach((t, i) => {
    byTensor.set(t, values[i]);
  });
  for (const t of p.receivers) {
    if (!isFloat(t.dtype)) continue;
    const v = byTensor.get(t) as TypedArray;
    const bad = firstNonFinite(v);
    if (bad < 0) continue;
    const operands = (t.inputs ?? []).map(unalias);
    if (operands.some((x) => byTensor.has(x) && firstNonFinite(byTensor.get(x) as TypedArray) >= 0)) continue;
    const shapes = operands.map((x) => fmtShape(x.shape)).join(', ');
    throw new NablaError(
      `debug: ${t.label} produced ${Number.isNaN(v[bad]) ? 'NaN' : v[bad]} at flat index ${bad} of its output ${fmtShape(t.shape)} (operands ${shapes || 'none'})`,
    );
  }
}

function firstNonFinite(v: TypedArray): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

/** Computes the values of the given tensors (and, in debug mode, of every node on the way). */
export async function realize(targets: Tensor[]): Promise<void> {
  const p = plan(targets);
  if (!p) return;
  // Another realize may finish while this one awaits the compile and drop the last reader of an
  // internal tensor this graph reads (a gradient's seed read by two outputs read at once):
  // the leaves are pinned until the run has read them.
  for (const t of p.leaves) pin(t);
  let buffers: unknown[];
  try {
    let exe = cached(p.backend, p.key);
    if (exe === undefined) {
      exe = await p.backend.compile(p.graph);
      store(p.backend, p.key, exe);
    }
    // Evicted by another realize's compile while this run is in flight, it is released after it.
    beginRun(exe);
    try {
      buffers = await p.backend.run(
        exe,
        p.leaves.map((t) => t.storage?.buffer),
      );
    } finally {
      endRun(p.backend, exe);
    }
  } finally {
    for (const t of p.leaves) unpin(t);
  }
  let host: TypedArray[] | null = null;
  if (p.debugNodes) {
    host = await Promise.all(p.receivers.map((t, i) => p.backend.read(buffers[i], t.dtype, sizeOf(t.shape))));
  }
  finish(p, buffers, host);
}

/** The synchronous twin, for backends whose capabilities.sync is true. */
export function realizeSync(targets: Tensor[]): void {
  // Checked before planning: a tensor that is already computed still cannot be read synchronously.
  for (const t of targets) {
    const b = getBackendInstance(t.backend);
    if (!b.capabilities.sync || !b.readSync) {
      throw new NablaError(`backend '${t.backend}' cannot compute synchronously; use the async reads (await t.data(), await t.array())`);
    }
  }
  const p = plan(targets);
  if (!p) return;
  let exe = cached(p.backend, p.key);
  if (exe === undefined) {
    exe = p.backend.compile(p.graph);
    store(p.backend, p.key, exe);
  }
  const buffers = p.backend.run(
    exe,
    p.leaves.map((t) => t.storage?.buffer),
  ) as unknown[];
  const backend = p.backend as Required<Pick<Backend, 'readSync'>>; // checked above
  const readSync = backend.readSync.bind(p.backend);
  const host = p.debugNodes ? p.receivers.map((t, i) => readSync(buffers[i], t.dtype, sizeOf(t.shape))) : null;
  finish(p, buffers, host);
}
