import type { Graph, GraphNode } from '../graph.js';
import { shapesEqual } from '../shape.js';
import { attrsKey } from './node.js';

/**
 * Rewrites a compiled function's graph once its constants are known (nb.jit's captured
 * values), so that every backend runs fewer nodes per call:
 *
 * - constants with equal values become one input, which lets identical nodes that read them
 *   merge (the loss and the same metric; one bias correction for all of an optimizer's
 *   parameters);
 * - nodes that return their operand unchanged go: multiplying or dividing by a constant one
 *   (a mean over an axis of size 1), subtracting a constant zero, a reshape, expand, slice or
 *   transpose that changes nothing, a reduction over axes of size 1, a cast to the same dtype;
 * - identical nodes are computed once, and nodes nothing reads are dropped.
 *
 * Every rewrite returns exactly the values the original graph computes. Inputs keep their
 * positions (unused ones stay), so the caller feeds the same buffers.
 */
export function simplify(graph: Graph): Graph {
  const nIn = graph.inputs.length;
  // Every value id resolves to the id that now computes it.
  const alias: number[] = graph.inputs.map((_, i) => i);
  const constants = new Map<string, number>();
  graph.inputs.forEach((v, i) => {
    if (!v.value) return;
    const key = `${v.dtype}[${v.shape}]${Array.from(v.value).join(',')}`;
    const first = constants.get(key);
    if (first === undefined) constants.set(key, i);
    else alias[i] = first;
  });
  const isConstant = (id: number, c: number) => {
    const v = id < nIn ? graph.inputs[id].value : undefined;
    return v?.every((x) => x === c) === true;
  };

  const nodes: GraphNode[] = [];
  const seen = new Map<string, number>();
  const newId = (k: number) => nIn + k;
  const valueOf = (id: number) => (id < nIn ? graph.inputs[id] : nodes[id - nIn]);
  graph.nodes.forEach((node, k) => {
    const inputs = node.inputs.map((i) => alias[i]);
    // A reshape of a reshape reads the original.
    const operand = inputs[0] >= nIn ? nodes[inputs[0] - nIn] : undefined;
    if (node.op === 'reshape' && operand?.op === 'reshape') inputs[0] = operand.inputs[0];
    const same = unchanged(node, inputs, valueOf, isConstant);
    if (same !== undefined) {
      alias[nIn + k] = same;
      return;
    }
    const key = `${node.op}${attrsKey(node.attrs)}${node.dtype}[${node.shape}](${inputs})`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      alias[nIn + k] = earlier;
      return;
    }
    seen.set(key, newId(nodes.length));
    alias[nIn + k] = newId(nodes.length);
    nodes.push({ ...node, inputs });
  });
  return dropUnread({ inputs: graph.inputs, nodes, outputs: graph.outputs.map((id) => alias[id]) });
}

/** The id of the value a node returns unchanged, if it does. */
function unchanged(
  node: GraphNode,
  inputs: number[],
  valueOf: (id: number) => { shape: readonly number[]; dtype: string },
  isConstant: (id: number, c: number) => boolean,
): number | undefined {
  const [a, b] = inputs;
  const keeps = (id: number) => shapesEqual(valueOf(id).shape, node.shape) && valueOf(id).dtype === node.dtype;
  switch (node.op) {
    case 'binary':
      if (node.attrs.fn === 'mul' && isConstant(b, 1) && keeps(a)) return a;
      if (node.attrs.fn === 'mul' && isConstant(a, 1) && keeps(b)) return b;
      if (node.attrs.fn === 'div' && isConstant(b, 1) && keeps(a)) return a;
      if (node.attrs.fn === 'sub' && isConstant(b, 0) && keeps(a)) return a;
      return undefined;
    case 'reduce': // keeps its axes: the same shape means every reduced axis had size 1
    case 'reshape':
    case 'expand':
    case 'slice':
    case 'cast':
      return keeps(a) ? a : undefined;
    case 'transpose':
      return node.attrs.perm.every((p, i) => p === i) ? a : undefined;
    default:
      return undefined;
  }
}

/** Drops the nodes no output depends on, renumbering the rest. */
function dropUnread(graph: Graph): Graph {
  const nIn = graph.inputs.length;
  const needed = new Uint8Array(graph.nodes.length);
  for (const id of graph.outputs) if (id >= nIn) needed[id - nIn] = 1;
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    if (!needed[k]) continue;
    for (const i of graph.nodes[k].inputs) if (i >= nIn) needed[i - nIn] = 1;
  }
  const renumber: number[] = [];
  const nodes: GraphNode[] = [];
  graph.nodes.forEach((node, k) => {
    if (!needed[k]) return;
    renumber[k] = nIn + nodes.length;
    nodes.push({ ...node, inputs: node.inputs.map((i) => (i < nIn ? i : renumber[i - nIn])) });
  });
  const id = (i: number) => (i < nIn ? i : renumber[i - nIn]);
  return { inputs: graph.inputs, nodes, outputs: graph.outputs.map(id) };
}
