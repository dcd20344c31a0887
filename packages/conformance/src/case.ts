import * as nb from '@nabla/core';
import type { Tolerance } from './tolerance.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface Outcome {
  status: Status;
  /** Largest absolute error seen, where values were compared. */
  maxError?: number;
  /** Why it failed or was skipped. */
  detail?: string;
}

/** What a case may need from the backend; cases that need more are skipped, with the reason. */
export interface Capabilities {
  name: string;
  dtypes: readonly string[];
}

/** A registered backend's name and dtypes, as cases see them. */
export function capabilitiesOf(backend: string): Capabilities {
  return { name: backend, dtypes: nb.getBackendInstance(backend).capabilities.dtypes };
}

/**
 * The dtypes a backend may go without: float64 (WGSL has none). Every backend must have float32,
 * int32 and bool (training's indices are int32, masks bool), so a case needing one of those is
 * never skipped: without it, the case runs and fails.
 */
export const OPTIONAL_DTYPES: readonly string[] = ['float64'];

/**
 * Why a case that computes in `needed` dtypes is skipped on a backend (`caps`), or undefined
 * when it runs: 'no float64 on this backend', or, for a case that runs on two, naming the one
 * (`backend`) that lacks it.
 */
export function missingDtype(needed: readonly string[], caps: Capabilities, backend?: string): string | undefined {
  const missing = needed.find((d) => OPTIONAL_DTYPES.includes(d) && !caps.dtypes.includes(d));
  if (missing === undefined) return undefined;
  return `no ${missing} on ${backend === undefined ? 'this backend' : `backend '${backend}'`}`;
}

export interface Case {
  id: string;
  /** forward, gradient, fd-gradient, rng, training, cross-backend */
  group: string;
  tolerance: Tolerance;
  /** A reason to skip on this backend, decided before running. */
  skip?(caps: Capabilities): string | undefined;
  run(): Promise<Outcome>;
}

export interface CaseResult extends Outcome {
  id: string;
  group: string;
  tolerance: Tolerance;
}
