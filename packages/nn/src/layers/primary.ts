import * as nb from '@nabla/core';

/**
 * A layer constructor's two spellings: Keras's `new Dense(2, { activation })` (the primary
 * argument positional) and TensorFlow.js's `new Dense({ units: 2, activation })` (all in one
 * config). Returns the primary value and the config; the primary given both ways, or a third
 * argument, is an error.
 */
export function primaryAndArgs<A extends object>(
  op: string,
  key: string,
  first: unknown,
  args: A | undefined,
  extra: unknown[],
): [unknown, A] {
  nb.checkArity(op, [first, args, ...extra], 2);
  const isConfig = typeof first === 'object' && first !== null && !Array.isArray(first);
  if (isConfig) {
    if (args !== undefined)
      throw new nb.NablaError(`${op}: give the options once: new ${op}({ ${key}, ... }) or new ${op}(${key}, { ... })`);
    return [(first as Record<string, unknown>)[key], first as A];
  }
  if (args !== undefined && args !== null && typeof args === 'object' && key in args) {
    throw new nb.NablaError(`${op}: ${key} is given twice, as the first argument and in the options`);
  }
  return [first, (args ?? {}) as A];
}
