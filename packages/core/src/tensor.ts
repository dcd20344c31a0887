import type { DType } from './dtype.js';
import type { PrimitiveAttrs, PrimitiveOp } from './primitives.js';

/** Core-only pseudo-ops: a stopGradient node aliases its input and is never sent to a backend. */
export type NodeOp = PrimitiveOp | 'leaf' | 'stopGradient';

/** Where a tensor's value lives once computed: one backend buffer, freed once. */
export interface Storage {
  readonly backend: string;
  readonly buffer: unknown;
  readonly bytes: number;
  freed: boolean;
}

/**
 * The mutable half of a tensor, kept apart so the FinalizationRegistry can hold it without
 * holding the tensor (a tensor that is garbage-collected undisposed still frees its buffer).
 */
export interface TensorState {
  /** The node's operands while they are still needed: until it is realized (or while a gradient is traced). */
  inputs: Tensor[] | null;
  storage: Storage | null;
  disposed: boolean;
  /** Set by keep(): tidy leaves it alone. */
  kept: boolean;
  /**
   * A constant an op made from a plain number or array (`x.mul(2)`): owned by the nodes that
   * read it, not by the user, so it is not counted as live and is freed with its last reader.
   */
  internal: boolean;
  /** How many nodes hold this tensor in their `inputs`; its buffer outlives dispose() until then. */
  consumers: number;
  /** Whether the finalization registry watches it (see memory.ts: new tensors wait a little). */
  registered: boolean;
}

let nextId = 0;

/**
 * An n-dimensional array on a backend. Tensors are lazy: an op records a node and returns at
 * once; the value is computed when read (`data()`, `array()`, `nb.realize()`), by handing the
 * pending graph of primitives to the backend.
 *
 * Methods mirror the functions of the math API (`x.add(y)` is `nb.add(x, y)`); they are
 * installed by ops/methods.ts so that this file stays free of import cycles.
 */
export class Tensor {
  readonly id = nextId++;
  /** @internal */
  readonly state: TensorState;

  /** @internal Use the creation functions (nb.tensor, nb.zeros, ...) or ops instead. */
  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly backend: string,
    /** @internal */ readonly op: NodeOp,
    /** @internal */ readonly attrs: PrimitiveAttrs[PrimitiveOp] | null,
    inputs: Tensor[] | null,
    storage: Storage | null,
    /** @internal The structure key fragment for this node, computed once. */ readonly attrKey: string,
    /** @internal Name of the public op that made it, for error messages. */ readonly label: string,
  ) {
    this.state = { inputs, storage, disposed: false, kept: false, internal: false, consumers: 0, registered: false };
  }

  /** @internal dtype, shape and backend in one string (nb.jit's signatures), built once. */
  signatureKey: string | undefined = undefined;

  /** @internal */
  get signature(): string {
    this.signatureKey ??= `${this.dtype}[${this.shape}]@${this.backend}`;
    return this.signatureKey;
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  get isDisposed(): boolean {
    return this.state.disposed;
  }
}
