import * as nb from '@nabla/core';

/**
 * A constructor with two leading values (Keras's `MultiHeadAttention(num_heads, key_dim, ...)`,
 * `TransformerEncoder(intermediate_dim, num_heads, ...)`) in its two spellings: positional then
 * options, `new MultiHeadAttention(2, 16, { dropout })`, or one config object,
 * `new MultiHeadAttention({ numHeads: 2, keyDim: 16, dropout })`, which is also how saved
 * models rebuild layers. Returns both values and the config; a value given twice, or a stray
 * argument, is an error.
 */
export function twoPrimaries<A extends object>(
  op: string,
  keys: readonly [string, string],
  first: unknown,
  second: unknown,
  args: A | undefined,
  extra: unknown[],
): [unknown, unknown, A] {
  nb.checkArity(op, [first, second, args, ...extra], 3);
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    if (second !== undefined || args !== undefined) {
      throw new nb.NablaError(
        `${op}: give the options once: new ${op}({ ${keys.join(', ')}, ... }) or new ${op}(${keys.join(', ')}, { ... })`,
      );
    }
    const config = first as Record<string, unknown>;
    return [config[keys[0]], config[keys[1]], first as A];
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new nb.NablaError(`${op}: options must be an object, got ${nb.describe(args)}`);
  }
  for (const key of keys) {
    if (args !== undefined && key in args) throw new nb.NablaError(`${op}: ${key} is given twice, as an argument and in the options`);
  }
  return [first, second, (args ?? {}) as A];
}
