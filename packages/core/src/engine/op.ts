import { checkArity } from '../options.js';
import { Tensor } from '../tensor.js';
import { releaseInternal } from './memory.js';
import { engine } from './state.js';

/**
 * Wraps a public op. Nodes made inside it (a composite's intermediates, the casts that align
 * dtypes) are internal: owned by the nodes that read them, invisible to memory() and tidy().
 * Only what the outermost op returns becomes a tensor the user holds, so `nb.softmax(x)`
 * outside a tidy leaves one live tensor, not six.
 *
 * `name` is the op's public name, given as a string because minifiers drop function names;
 * `maxArgs` is how many positional arguments the op takes, declared once beside it:
 * `export const sum = op('sum', function sum(x, axis, keepDims) {...}, 3)`. A call with more is
 * a NablaError naming the op (checkArity), never an argument silently ignored.
 */
export function op<F extends (...args: never[]) => unknown>(name: string, fn: F, maxArgs?: number): F {
  const wrapped = (...args: unknown[]) => {
    if (maxArgs !== undefined) checkArity(name, args, maxArgs);
    const outermost = engine.opDepth === 0;
    if (outermost) {
      engine.internals = [];
      engine.opBackend = operandBackend(args);
    }
    engine.opDepth++;
    let result: unknown;
    try {
      result = fn(...(args as never[]));
    } catch (e) {
      // What the op made before it threw is unread: let its operands go (they hold buffers).
      if (outermost) releaseUnread();
      throw e;
    } finally {
      engine.opDepth--;
      if (outermost) engine.opBackend = undefined;
    }
    if (outermost) {
      adopt(result);
      releaseUnread();
    }
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as F;
}

/** The backend of the first tensor among the arguments (or in a list argument: concat, stack). */
function operandBackend(args: unknown[]): string | undefined {
  for (const a of args) {
    if (a instanceof Tensor) return a.backend;
    if (Array.isArray(a)) for (const e of a) if (e instanceof Tensor) return e.backend;
  }
  return undefined;
}

/**
 * Nodes nothing reads (a gradient rule's cotangent for an operand that needs none, a constant
 * that went unused, what an op made before it threw) are garbage: let their operands go.
 */
function releaseUnread(): void {
  for (const t of engine.internals) if (t.state.internal && t.state.consumers === 0) releaseInternal(t);
  engine.internals = [];
}

/** Makes internal tensors in an op's result user-held: counted, and tracked by the tidy scope. */
export function adopt(result: unknown): void {
  if (result instanceof Tensor) {
    const s = result.state;
    if (!s.internal) return;
    s.internal = false;
    engine.liveTensors++;
    engine.scopes[engine.scopes.length - 1]?.push(result);
  } else if (Array.isArray(result)) {
    for (const r of result) adopt(r);
  } else if (result !== null && typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const r of Object.values(result)) adopt(r);
  }
}
