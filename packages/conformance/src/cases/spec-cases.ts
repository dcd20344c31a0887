import type { Case } from '../case.js';
import { emptyCases, emptyErrorCases } from './empty.js';
import { integerCases } from './integers.js';
import { nanCases } from './nan.js';
import type { SpecCase } from './spec.js';

/**
 * Every hand-written case of defined semantics (see spec.ts), in report order. A new group of
 * edge cases adds its list here: it then runs on every backend and across every pair of them.
 */
export function allSpecCases(): SpecCase[] {
  return [...nanCases(), ...integerCases(), ...emptyCases()];
}

/** The calls that must be errors on every backend. */
export function specErrorCases(): Case[] {
  return emptyErrorCases();
}
