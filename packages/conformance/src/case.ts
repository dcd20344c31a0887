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
