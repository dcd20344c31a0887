import { NablaError } from './errors.js';

/**
 * Runtime checks for options objects and argument lists. JavaScript callers, and options built
 * at runtime (a config file, a CLI, a UI), get no help from the compiler: an unknown key or a
 * value of the wrong type must be an error naming the call, never a setting silently dropped.
 */

/** Checks one value; returns undefined when it is acceptable, else what was expected. */
export type Check = (value: unknown) => string | undefined;

/** The keys an options object may have, each with the check of its value. */
export type OptionSchema = Readonly<Record<string, Check>>;

/** How a value is quoted in an error: its text and its type. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}] (array)`;
  if (typeof value === 'string') return `'${value}' (string)`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof value === 'function') return 'a function';
  return `${String(value)} (${typeof value})`;
}

const expect =
  (what: string, ok: (v: unknown) => boolean): Check =>
  (v) =>
    ok(v) ? undefined : what;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isInts = (v: unknown): boolean => Array.isArray(v) && v.every(isInt);

/** The checks options are written with. `undefined` always passes: every option is optional. */
export const is = {
  any: (() => undefined) as Check,
  boolean: expect('a boolean', (v) => typeof v === 'boolean'),
  string: expect('a string', (v) => typeof v === 'string'),
  function: expect('a function', (v) => typeof v === 'function'),
  number: expect('a number', (v) => typeof v === 'number' && !Number.isNaN(v)),
  finite: expect('a finite number', (v) => typeof v === 'number' && Number.isFinite(v)),
  nonNegative: expect('a non-negative number', (v) => typeof v === 'number' && v >= 0),
  positive: expect('a positive number', (v) => typeof v === 'number' && v > 0),
  integer: expect('an integer', isInt),
  nonNegativeInteger: expect('a non-negative integer', (v) => isInt(v) && v >= 0),
  positiveInteger: expect('a positive integer', (v) => isInt(v) && v > 0),
  /** A number in [lo, hi]. */
  between: (lo: number, hi: number) => expect(`a number in [${lo}, ${hi}]`, (v) => typeof v === 'number' && v >= lo && v <= hi),
  /** One of the listed literal values. */
  oneOf: (...values: readonly unknown[]) =>
    expect(`one of ${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`, (v) => values.includes(v)),
  /** A list of integers. */
  integers: expect('a list of integers', isInts),
  /** An integer or a list of integers (an axis argument). */
  axis: expect('an integer or a list of integers', (v) => isInt(v) || isInts(v)),
  /** A plain object (a nested options object, checked where it is used). */
  object: expect('an object', (v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
  /** An instance of a class. */
  instance: (cls: abstract new (...args: never[]) => unknown, what = `a ${cls.name}`) => expect(what, (v) => v instanceof cls),
  /** Passes when any of the checks passes. */
  either: (...checks: Check[]): Check => {
    return (v) => {
      const fails: string[] = [];
      for (const c of checks) {
        const r = c(v);
        if (r === undefined) return undefined;
        fails.push(r);
      }
      return fails.join(' or ');
    };
  },
} as const;

/** Edit distance, for suggesting the key a caller probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length];
}

/** The valid key nearest to `key`: the same words in another case style, or a near spelling. */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  const squash = (s: string) => s.replace(/[_-]/g, '').toLowerCase();
  const exact = valid.find((v) => squash(v) === squash(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const v of valid) {
    const d = distance(squash(key), squash(v));
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks an options object against its schema and returns it (an empty object for undefined).
 * An unknown key is an error that lists the valid keys and suggests the nearest
 * (`fit: unknown option 'batch_size'; did you mean 'batchSize'?`); a value that fails its check
 * is an error naming the option, what was expected and what was given.
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, schema: OptionSchema): T {
  if (options === undefined) return {} as T;
  if (!isPlainObject(options)) {
    throw new NablaError(`${op}: options must be a plain object, got ${describe(options)}`);
  }
  const valid = Object.keys(schema);
  for (const [key, value] of Object.entries(options)) {
    const check = schema[key];
    if (check === undefined) {
      const near = nearestKey(key, valid);
      throw new NablaError(
        `${op}: unknown option '${key}'${near ? `; did you mean '${near}'?` : ''} ` +
          (valid.length ? `(valid options: ${valid.join(', ')})` : '(it takes no options)'),
      );
    }
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) throw new NablaError(`${op}: option '${key}' must be ${expected}, got ${describe(value)}`);
  }
  return options;
}

/** Checks one positional argument; undefined passes when `optional`. */
export function checkArg(op: string, name: string, value: unknown, check: Check, optional = true): void {
  if (value === undefined) {
    if (optional) return;
    throw new NablaError(`${op}: argument '${name}' is required`);
  }
  const expected = check(value);
  if (expected !== undefined) throw new NablaError(`${op}: argument '${name}' must be ${expected}, got ${describe(value)}`);
}

/**
 * A stray positional argument is an error, not ignored: `nb.sum(x, 1, true, 'extra')`.
 * `max` is how many arguments the call takes.
 */
export function checkArity(op: string, args: ArrayLike<unknown>, max: number): void {
  if (args.length > max) {
    throw new NablaError(
      `${op}: takes at most ${max} argument${max === 1 ? '' : 's'}, got ${args.length} ` +
        `(the extra: ${Array.from(args).slice(max).map(describe).join(', ')})`,
    );
  }
}
