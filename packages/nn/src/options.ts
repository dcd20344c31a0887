import * as nb from '@nabla/core';

/**
 * nn's one rule for options, on top of core's checkOptions: keys are camelCase only. Keras's
 * snake_case spelling (`batch_size`, `learning_rate`, `use_bias`) is an unknown key whose error
 * suggests the camelCase name; a few spellings that no distance finds get their own hint
 * (Keras 2's and PyTorch's `lr`). String *names* (losses, activations, initializers) are values,
 * not keys, and are read in both spellings where they are looked up.
 */
const HINTS: Readonly<Record<string, string>> = { lr: 'learningRate' };

/** checkOptions with nn's hints: `{ lr: 0.1 }` suggests `learningRate` when the schema has it. */
export function checkConfig<T extends object>(op: string, options: T | undefined, schema: nb.OptionSchema): T {
  if (options !== null && typeof options === 'object') {
    for (const key of Object.keys(options)) {
      const hint = HINTS[key];
      if (!Object.hasOwn(schema, key) && hint !== undefined && Object.hasOwn(schema, hint)) {
        throw new nb.NablaError(
          `${op}: unknown option '${key}'; did you mean '${hint}'? (valid options: ${Object.keys(schema).join(', ')})`,
        );
      }
    }
  }
  return nb.checkOptions(op, options, schema);
}

/** A name that is not in `known`: an error listing them and suggesting the nearest. */
export function unknownName(op: string, what: string, name: unknown, known: readonly string[]): nb.NablaError {
  const near = typeof name === 'string' ? nb.nearestKey(name, known) : undefined;
  return new nb.NablaError(
    `${op}: unknown ${what} ${typeof name === 'string' ? `'${name}'` : nb.describe(name)}` +
      (near ? `; did you mean '${near}'? (known: ${known.join(', ')})` : `; known: ${known.join(', ')}`),
  );
}

/** The key under which a name's spellings meet: lower case without underscores ('glorot_uniform', 'glorotUniform', 'GlorotUniform'). */
export function nameKey(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * Looks up `entries` by name in any spelling (see nameKey); a name not there is an unknownName
 * error from `op` listing `known` (the entries' names unless given).
 */
export function nameLookup<T>(
  op: string,
  what: string,
  entries: Readonly<Record<string, T>>,
  known: readonly string[] = Object.keys(entries),
): (name: string) => T {
  const byKey = new Map(Object.entries(entries).map(([name, entry]) => [nameKey(name), entry]));
  return (name) => {
    const entry = byKey.get(nameKey(name));
    if (entry === undefined) throw unknownName(op, what, name, known);
    return entry;
  };
}

/** How a registry rebuilds an instance from `{ className, config }`: the config keys it takes, and the maker. */
export interface ConfigEntry<T> {
  keys: readonly string[];
  make: (config: Record<string, unknown>) => T;
}

/**
 * A regularizer's or initializer's identifier: a name (made with the defaults), an instance
 * (anything with `apply` and `className`, returned as is), or `{ className, config }` as its
 * serializer writes it, whose config may hold only the entry's keys. `kind` is the instance in
 * the error for anything else ('a Regularizer').
 */
export function fromIdentifier<T>(op: string, kind: string, identifier: unknown, lookup: (name: string) => ConfigEntry<T>): T {
  if (typeof identifier === 'string') return lookup(identifier).make({});
  if (identifier !== null && typeof identifier === 'object') {
    const { apply, className, config } = identifier as { apply?: unknown; className?: unknown; config?: unknown };
    if (typeof apply === 'function' && typeof className === 'string') return identifier as T;
    if (typeof className === 'string') {
      const entry = lookup(className);
      const cfg = config ?? {};
      if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
        throw new nb.NablaError(`${op}: config of ${className} must be an object, got ${JSON.stringify(cfg)}`);
      }
      for (const key of Object.keys(cfg)) {
        if (!entry.keys.includes(key)) {
          throw new nb.NablaError(
            `${op}: ${className} config has unknown key '${key}'; expected ${entry.keys.length ? entry.keys.join(', ') : 'none'}`,
          );
        }
      }
      return entry.make(cfg as Record<string, unknown>);
    }
  }
  throw new nb.NablaError(
    `${op}: expected a name, ${kind} or { className, config }, got ${identifier === null ? 'null' : typeof identifier}`,
  );
}

/** A list whose every element passes `check`. */
export function listOf(what: string, check: nb.Check): nb.Check {
  return (v) => (Array.isArray(v) && v.every((x) => check(x) === undefined) ? undefined : `a list of ${what}`);
}

/** A list of positive integers (a shape). */
export const shapeCheck: nb.Check = listOf('positive integers', nb.is.positiveInteger);

/**
 * The options argument of a call that takes `(primary, options)` as Keras and TensorFlow.js
 * spell it: a number is the primary value (Keras's first positional argument, e.g. a learning
 * rate), an object is the options. Anything after that is a stray positional argument.
 */
export function numberOrOptions<T extends object>(op: string, args: ArrayLike<unknown>, primary: keyof T & string): Partial<T> | undefined {
  nb.checkArity(op, args, 1);
  const first = args[0];
  if (typeof first === 'number') return { [primary]: first } as Partial<T>;
  return first as Partial<T> | undefined;
}
