import { ProgbarLogger } from '@nabla/nn';
import type { ExampleOptions } from './examples/options.js';
import type { Io } from './io.js';

/**
 * fit's progress output on `io`: with the process's stdout, fit's own logger (a bar on a
 * terminal, a line per epoch otherwise); elsewhere (the tests' buffers) a logger writing there,
 * one line per epoch.
 */
export function progressOn(io: Io, verbose: 0 | 1 | 2): Pick<ExampleOptions, 'verbose' | 'callbacks'> {
  if (verbose === 0 || io.processStdout) return { verbose };
  return { verbose: 0, callbacks: [new ProgbarLogger(io.stdout)] };
}
