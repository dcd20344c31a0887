import type { DType } from './dtype.js';
import type { PrimitiveAttrs, PrimitiveOp } from './primitives.js';

/** Core-only pseudo-ops: a stopGradient node aliases its input and is never sent to a backend. */
export type NodeOp = PrimitiveOp | 'leaf' | 'stopGradient';

/** The bookkeeping of one backend buffer: what memory() counts, without the buffer itself. */
export interface BufferLedger {
  readonly backend: string;
  readonly bytes: number;
  freed: boolean;
}

/** Where a tensor's value lives once computed: one backend buffer, freed once. */
export interface Storage {
  readonly buffer: unknown;
  readonly ledger: BufferLedger;
}

/**
 * The bookkeeping half of a tensor, kept apart so that the FinalizationRegistry can hold it
 * without holding the tensor. It reaches no buffer and no other Tensor, only other states and
 * ledgers: what the registry holds for a tensor collected undisposed must not keep any buffer
 * alive until its cleanup callback runs, which needs the event loop (a loop that never yields
 * would otherwise keep every dropped intermediate's operands, disposed or not).
 */
export interface TensorState {
  /** The operands' states, filled when the tensor is registered (memory.ts) and while they are still needed. */
  operands: TensorState[] | null;
  /** Whether the operands were let go (by the tensor or by the backstop): done once. */
  dropped: boolean;
  ledger: BufferLedger | null;
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
  /** @internal The node's operands while they are still needed: until it is realized (or while a gradient is traced). */
  inputs: Tensor[] | null;
  /** @internal The computed value, once there is one. */
  storage: Storage | null;

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
    this.inputs = inputs;
    this.storage = storage;
    this.state = {
      operands: null,
      dropped: false,
      ledger: storage ? storage.ledger : null,
      disposed: false,
      kept: false,
      internal: false,
      consumers: 0,
      registered: false,
    };
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
