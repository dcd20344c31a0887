import * as nb from '@nabla/core';
import type { Layer, Mask, Masks, Tensors } from '../layers/layer.js';
import { layerFromConfig } from '../layers/registry.js';
import { type LayerCall, SymbolicTensor } from './symbolic.js';

/**
 * A functional model's graph: its inputs, its outputs, and the layer calls between them in an
 * order where every call comes after the calls that make its inputs. A layer called twice (a
 * shared layer) appears once in `layers` and twice in `calls`.
 */
export interface FunctionalGraph {
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly calls: LayerCall[];
  readonly layers: Layer[];
}

/** Walks back from the outputs to the inputs; every path must end at one of `inputs`. */
export function traceGraph(op: string, inputs: SymbolicTensor[], outputs: SymbolicTensor[]): FunctionalGraph {
  const known = new Set(inputs);
  if (known.size !== inputs.length) throw new nb.NablaError(`${op}: an input is listed twice`);
  for (const t of inputs) {
    if (t.producer) throw new nb.NablaError(`${op}: inputs must come from nn.input, but ${t.name} is a layer's output`);
  }
  const calls: LayerCall[] = [];
  const done = new Set<LayerCall>();
  const visiting = new Set<LayerCall>();
  // Iterative depth-first walk: graphs can be deep (a long unrolled stack of layers).
  for (const out of outputs) {
    const stack: { call: LayerCall; next: number }[] = [];
    const enter = (t: SymbolicTensor) => {
      if (known.has(t)) return;
      const call = t.producer;
      if (!call) throw new nb.NablaError(`${op}: ${t.name} is an nn.input that is not among the model's inputs`);
      if (done.has(call) || visiting.has(call)) return;
      visiting.add(call);
      stack.push({ call, next: 0 });
    };
    enter(out);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.call.inputs.length) {
        enter(top.call.inputs[top.next++]);
        continue;
      }
      stack.pop();
      visiting.delete(top.call);
      done.add(top.call);
      calls.push(top.call);
    }
  }
  const layers = [...new Set(calls.map((c) => c.layer))];
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name))
      throw new nb.NablaError(`${op}: two different layers are named '${l.name}'; layer names must be unique in a model`);
    names.add(l.name);
  }
  return { inputs, outputs, calls, layers };
}

/**
 * Runs the graph on tensors: each call gets its inputs' values and masks, and a seed of its own
 * (the step's seed plus a constant per call position) for dropout.
 */
export function runGraph(
  g: FunctionalGraph,
  xs: nb.Tensor[],
  training: boolean,
  seed: nb.Tensor | undefined,
  losses: nb.Tensor[] | undefined,
): nb.Tensor[] {
  const values = new Map<SymbolicTensor, nb.Tensor>();
  const masks = new Map<SymbolicTensor, Mask>();
  g.inputs.forEach((t, k) => {
    values.set(t, xs[k]);
    masks.set(t, null);
  });
  g.calls.forEach((call, i) => {
    const args = call.inputs.map((t) => values.get(t) as nb.Tensor);
    const argMasks = call.inputs.map((t) => masks.get(t) ?? null);
    const inputs: Tensors = call.listInput ? args : args[0];
    const mask: Masks = call.listInput ? argMasks : argMasks[0];
    const callSeed = seed && training ? nb.add(seed, Math.imul(i + 1, 0x9e3779b1)) : undefined;
    const out = call.layer.apply(inputs, { training, seed: callSeed, losses, mask });
    const outs = Array.isArray(out) ? out : [out];
    if (outs.length !== call.outputs.length) {
      throw new nb.NablaError(
        `${call.layer.name}: returned ${outs.length} tensors where it returned ${call.outputs.length} when the model was built`,
      );
    }
    const outMask = call.layer.computeMask(inputs, mask);
    call.outputs.forEach((t, k) => {
      values.set(t, outs[k]);
      masks.set(t, Array.isArray(outMask) ? (outMask[k] ?? null) : outMask);
    });
  });
  return g.outputs.map((t) => values.get(t) as nb.Tensor);
}

/** How a graph is saved: each layer once, the calls by layer index, tensors by reference strings. */
export interface GraphConfig {
  inputs: { name: string; shape: number[]; dtype: nb.DType }[];
  layers: { className: string; config: Record<string, unknown> }[];
  /** Each call: its layer's index, its input references, whether it was given a list. */
  calls: { layer: number; inputs: string[]; list: boolean }[];
  outputs: string[];
}

/** A tensor's reference: `input:k` for the k-th input, `call:i:k` for output k of call i. */
function refs(g: FunctionalGraph): Map<SymbolicTensor, string> {
  const m = new Map<SymbolicTensor, string>();
  g.inputs.forEach((t, k) => {
    m.set(t, `input:${k}`);
  });
  g.calls.forEach((c, i) => {
    c.outputs.forEach((t, k) => {
      m.set(t, `call:${i}:${k}`);
    });
  });
  return m;
}

export function graphConfig(g: FunctionalGraph): GraphConfig {
  const r = refs(g);
  return {
    inputs: g.inputs.map((t) => ({ name: t.name, shape: t.shape.slice(1) as number[], dtype: t.dtype })),
    layers: g.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
    calls: g.calls.map((c) => ({ layer: g.layers.indexOf(c.layer), inputs: c.inputs.map((t) => r.get(t) as string), list: c.listInput })),
    outputs: g.outputs.map((t) => r.get(t) as string),
  };
}

/** Rebuilds the symbolic graph of a saved functional model (fresh layers; weights are loaded after). */
export function graphFromConfig(op: string, config: GraphConfig): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  const bad = (what: string): never => {
    throw new nb.NablaError(`${op}: model.json's graph ${what}`);
  };
  if (
    !config ||
    !Array.isArray(config.inputs) ||
    !Array.isArray(config.layers) ||
    !Array.isArray(config.calls) ||
    !Array.isArray(config.outputs)
  ) {
    bad('needs inputs, layers, calls and outputs lists');
  }
  const inputs = config.inputs.map((i) => new SymbolicTensor([null, ...i.shape], i.dtype, i.name));
  const layers = config.layers.map((l) => layerFromConfig(l.className, { ...l.config }));
  const byRef = new Map<string, SymbolicTensor>();
  inputs.forEach((t, k) => {
    byRef.set(`input:${k}`, t);
  });
  const resolve = (ref: string) => byRef.get(ref) ?? bad(`refers to ${JSON.stringify(ref)}, which no earlier call makes`);
  config.calls.forEach((c, i) => {
    const layer = layers[c.layer] ?? bad(`call ${i} names layer ${c.layer}, which is not in its layers`);
    const args = c.inputs.map(resolve);
    const out = layer.apply(c.list ? args : args[0]);
    (Array.isArray(out) ? out : [out]).forEach((t, k) => {
      byRef.set(`call:${i}:${k}`, t);
    });
  });
  return { inputs, outputs: config.outputs.map(resolve) };
}
