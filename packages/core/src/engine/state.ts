/** Engine-wide mutable state, in one place. */
export const engine = {
  /** tidy() scopes, innermost last; each collects the tensors created inside it. */
  scopes: [] as import('../tensor.js').Tensor[][],
  /** >0 while a gradient is being traced: realized nodes keep their operands for the backward pass. */
  traceDepth: 0,
  /** >0 while core builds a backward graph: it may read operands the user already disposed. */
  internalDepth: 0,
  /** >0 inside a public op: the nodes it makes are internal (engine/op.ts). */
  opDepth: 0,
  /**
   * The backend of the current outermost op's first tensor operand: the constants the op makes
   * (`x.mul(2)`'s 2) go there, not to the default backend, which may have changed since x was made.
   */
  opBackend: undefined as string | undefined,
  /** The internal tensors made in the current outermost op, swept when it returns. */
  internals: [] as import('../tensor.js').Tensor[],
  /** >0 while nb.jit traces a function: reading values is an error then. */
  jitDepth: 0,
  debug: false,
  liveTensors: 0,
  /** Per backend: buffers held and their bytes. */
  buffers: new Map<string, { count: number; bytes: number }>(),
};
