import { Tensor } from '../tensor.js';
import { releaseInternal } from './memory.js';
import { engine } from './state.js';

/**
 * Wraps a public op. Nodes made inside it (a composite's intermediates, the casts that align
 * dtypes) are internal: owned by the nodes that read them, invisible to memory() and tidy().
 * Only what the outermost op returns becomes a tensor the user holds, so `nb.softmax(x)`
 * outside a tidy leaves one live tensor, not six.
 */
// biome-ignore lint/suspicious/noExplicitAny: the wrapper preserves any op signature
export function op<F extends (...args: any[]) => any>(fn: F): F {
  const wrapped = (...args: unknown[]) => {
    const outermost = engine.opDepth === 0;
    if (outermost) engine.internals = [];
    engine.opDepth++;
    let result: unknown;
    try {
      result = fn(...args);
    } finally {
      engine.opDepth--;
    }
    if (outermost) {
      adopt(result);
      // Nodes nothing reads (a gradient rule's cotangent for an operand that needs none, a
      // constant that went unused) are garbage now: let their operands go.
      for (const t of engine.internals) if (t.state.internal && t.state.consumers === 0) releaseInternal(t);
      engine.internals = [];
    }
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped as F;
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
