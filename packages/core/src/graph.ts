import type { DType, TypedArray } from './dtype.js';
import type { PrimitiveAttrs, PrimitiveOp } from './primitives.js';

/**
 * What a backend compiles: a straight-line program of primitives in topological order.
 * Value ids 0..inputs.length-1 are the graph's inputs (realized buffers, fed at run time);
 * node k defines value id inputs.length + k.
 */
export interface GraphValue {
  shape: number[];
  dtype: DType;
  /**
   * For a graph input: its value when it is a constant of the compiled function (a small tensor
   * nb.jit captured). A backend may fold it into the executable; it is still passed at run time.
   */
  value?: TypedArray;
}

export type GraphNode = {
  [K in PrimitiveOp]: GraphValue & {
    op: K;
    attrs: PrimitiveAttrs[K];
    inputs: number[];
    /** The public op that recorded it (e.g. 'softmax'), for a backend's error messages. */
    label?: string;
  };
}[PrimitiveOp];

export interface Graph {
  inputs: GraphValue[];
  nodes: GraphNode[];
  /** Value ids to return, in order. An output may also be an input id. */
  outputs: number[];
}

/** The value with id `id`: a graph input, or the node that defines it. */
export function graphValue(graph: Graph, id: number): GraphValue {
  const nIn = graph.inputs.length;
  return id < nIn ? graph.inputs[id] : graph.nodes[id - nIn];
}
