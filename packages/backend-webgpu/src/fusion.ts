import type { Graph, GraphNode } from '@nabla/core';

/**
 * Elementwise fusion: a chain of elementwise nodes becomes one kernel that reads the chain's
 * leaves once and writes its last value once, instead of a pass and a buffer per node.
 *
 * A node is inlined into its consumer when both are elementwise (unary, binary, where, cast,
 * expand), have the same shape, the consumer is its only reader and it is not a graph output.
 * Equal shapes make the rule simple: the inlined node's operands are read with strides relative
 * to its own shape, which is the consumer's, so every leaf keeps its own broadcast strides. An
 * expand is a broadcast read, so it fuses into its reader for free. A group's leaves are capped
 * by the storage bindings a stage may have (one is the output).
 */
export interface FusedGroup {
  /** The node ids computed in the kernel, in graph order; the last is the group's value. */
  nodes: number[];
  /** Value ids read from buffers, in binding order. */
  leaves: number[];
}

const ELEMENTWISE = new Set<GraphNode['op']>(['unary', 'binary', 'where', 'cast', 'expand']);

export const isElementwise = (node: GraphNode) => ELEMENTWISE.has(node.op);

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Groups every elementwise node: the root of each group (by value id) maps to its group; nodes
 * inlined into another group are in `inlined`. With `enabled` false every group is one node.
 */
export function planFusion(graph: Graph, enabled: boolean, maxLeaves: number): { groups: Map<number, FusedGroup>; inlined: Set<number> } {
  const nIn = graph.inputs.length;
  const readers = new Map<number, Set<number>>();
  graph.nodes.forEach((node, k) => {
    for (const i of node.inputs) {
      let set = readers.get(i);
      if (!set) readers.set(i, (set = new Set()));
      set.add(nIn + k);
    }
  });
  const outputs = new Set(graph.outputs);
  const nodeOf = (id: number) => (id >= nIn ? graph.nodes[id - nIn] : undefined);
  const inlinable = (id: number, consumer: number) => {
    const node = nodeOf(id);
    if (!enabled || !node || !isElementwise(node) || outputs.has(id)) return false;
    const r = readers.get(id);
    return r !== undefined && r.size === 1 && r.has(consumer) && sameShape(node.shape, (nodeOf(consumer) as GraphNode).shape);
  };

  const groups = new Map<number, FusedGroup>();
  const inlined = new Set<number>();
  // Consumers come after their operands: walking backwards, a group claims its operands before
  // they are visited as roots of their own.
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const id = nIn + k;
    if (inlined.has(id) || !isElementwise(graph.nodes[k])) continue;
    const group = collect(id, inlinable, nodeOf, maxLeaves);
    for (const n of group.nodes) if (n !== id) inlined.add(n);
    groups.set(id, group);
  }
  return { groups, inlined };
}

function collect(
  root: number,
  inlinable: (id: number, consumer: number) => boolean,
  nodeOf: (id: number) => GraphNode | undefined,
  maxLeaves: number,
): FusedGroup {
  const members = new Set<number>([root]);
  const leaves = new Set<number>();
  const visit = (id: number) => {
    for (const i of (nodeOf(id) as GraphNode).inputs) {
      if (members.has(i) || leaves.has(i)) continue;
      // Inline only while the leaves fit: an inlined node may bring new leaves of its own.
      if (inlinable(i, id) && leaves.size + (nodeOf(i) as GraphNode).inputs.length <= maxLeaves) {
        members.add(i);
        visit(i);
      } else {
        leaves.add(i);
      }
    }
  };
  visit(root);
  if (leaves.size > maxLeaves) return { nodes: [root], leaves: [...new Set((nodeOf(root) as GraphNode).inputs)] };
  return { nodes: [...members].sort((a, b) => a - b), leaves: [...leaves] };
}
