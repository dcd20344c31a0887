import * as nb from '@nabla/core';
import { InvalidArgumentError } from 'commander';

/**
 * A mistake in how the command was called, found after parsing (an option that does not apply
 * to this example, a file of the wrong kind): exit code 2, as commander's own usage errors.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--epochs 3`: an integer of at least 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** `--seed 7`: any integer. */
export function integer(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer.');
  return n;
}

/** `--lr 0.01`: a finite number above 0. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

/** `a,b,c`, each one of `choices()` (read when parsing: the backends register on import). */
export function listOf(what: string, choices: () => readonly string[]): (value: string) => string[] {
  return (value) => {
    const list = value.split(',').map((s) => s.trim());
    const known = choices();
    const unknown = list.filter((name) => !known.includes(name));
    if (list.some((s) => s === ''))
      throw new InvalidArgumentError(`expected ${what}s separated by commas. The ${what}s: ${known.join(', ')}.`);
    if (unknown.length)
      throw new InvalidArgumentError(`unknown ${what} ${unknown.map((u) => `'${u}'`).join(', ')}. The ${what}s: ${known.join(', ')}.`);
    if (new Set(list).size !== list.length) throw new InvalidArgumentError(`a ${what} is named twice.`);
    return list;
  };
}

/** `a,b,c`: names checked later, against a list the command has to load first. */
export function names(what: string): (value: string) => string[] {
  return (value) => {
    const list = value.split(',').map((s) => s.trim());
    if (list.some((s) => s === '')) throw new InvalidArgumentError(`expected ${what}s separated by commas.`);
    return list;
  };
}

/** One of `choices()`. */
export function oneOf(what: string, choices: () => readonly string[]): (value: string) => string {
  return (value) => {
    const known = choices();
    if (!known.includes(value)) throw new InvalidArgumentError(`unknown ${what} '${value}'. The ${what}s: ${known.join(', ')}.`);
    return value;
  };
}

export const backendName = oneOf('backend', () => nb.listBackends());
export const backendList = listOf('backend', () => nb.listBackends());
