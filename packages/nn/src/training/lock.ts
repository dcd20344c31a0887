import * as nb from '@nabla/core';

/**
 * One run at a time per model. fit replaces the weights and the optimizer state step after
 * step; a second fit, an evaluate, a compile or a dispose interleaved with it (each is async, so
 * a caller that does not await gets exactly that) would lose updates, read weights of mixed
 * steps, or free tensors the running step reads. Those calls are errors instead.
 *
 * fit's callbacks are the exception: while fit awaits a callback hook the model is at rest
 * (between steps), so a hook may evaluate, save or set weights. An evaluate started from a hook
 * and not awaited there is waited for before fit's next step.
 */
export class RunLock {
  private running: string | null = null;
  /** True while the running fit awaits a callback hook: the model is between steps. */
  private atRest = false;
  private readonly guests = new Set<Promise<unknown>>();
  /** Runs that only read the weights (evaluate, save) going on together outside fit. */
  private readers = 0;

  /** The running method, or null. */
  get current(): string | null {
    return this.running;
  }

  /** Starts `method` (fit, evaluate): an error when another run is going on outside a hook. */
  enter(method: string): void {
    if (this.running !== null) throw this.busy(method);
    this.running = method;
  }

  exit(): void {
    this.running = null;
    this.atRest = false;
  }

  /**
   * Starts `method`, which only reads the weights (evaluate, save): alongside other such runs,
   * as a guest of the running fit when called from one of its hooks, else an error while a fit
   * runs. Returns a function to call when it ends.
   */
  join(method: string): () => void {
    // Runs that only read the weights (evaluate, save) may overlap one another.
    if (this.running === null || this.readers > 0) {
      this.running ??= method;
      this.readers++;
      return () => {
        if (--this.readers === 0) this.exit();
      };
    }
    if (!this.atRest) throw this.busy(method);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.guests.add(finished);
    return () => {
      this.guests.delete(finished);
      done();
    };
  }

  /** For calls that would break a run (compile, dispose, setWeights): allowed only at rest. */
  check(method: string): void {
    if (this.running !== null && !this.atRest) throw this.busy(method);
  }

  /**
   * Runs a callback hook with the model at rest; then waits for any guest it started.
   * Costs nothing when the hook is synchronous and started no guest.
   */
  hook(call: () => Promise<void> | undefined): Promise<void> | undefined {
    this.atRest = true;
    let pending: Promise<void> | undefined;
    try {
      pending = call();
    } finally {
      if (!pending) this.atRest = false;
    }
    if (!pending && this.guests.size === 0) return undefined;
    return (async () => {
      try {
        if (pending) await pending;
        while (this.guests.size > 0) await Promise.all(this.guests);
      } finally {
        this.atRest = false;
      }
    })();
  }

  private busy(method: string): nb.NablaError {
    const what = this.running === 'fit' ? 'already training' : `running ${this.running}`;
    return new nb.NablaError(
      `${method}: this model is ${what}; await the running ${this.running} first (calls from fit's callbacks are allowed)`,
    );
  }
}
