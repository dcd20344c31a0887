import type { ProgressOutput } from '@nabla/nn';

/**
 * Where a command writes: the process's stdout and stderr when run as `nabla`, buffers in the
 * tests (main(argv, io)). `stdout` is also what fit's progress bar draws on: a bar when it is a
 * terminal, one line per epoch otherwise.
 */
export interface Io {
  /** One line (or several) of output, newline added. */
  out(line: string): void;
  /** One line of an error or warning, newline added. */
  err(line: string): void;
  stdout: ProgressOutput;
  /** Whether stdout is the process's own (then fit draws its progress there itself). */
  processStdout: boolean;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stdout: process.stdout,
    processStdout: true,
  };
}

/** An Io that keeps what is written, for tests: `text()` is stdout, `errors()` stderr. */
export function bufferIo(opts: { isTTY?: boolean; columns?: number } = {}): Io & { text(): string; errors(): string } {
  let out = '';
  let err = '';
  return {
    out: (line) => {
      out += `${line}\n`;
    },
    err: (line) => {
      err += `${line}\n`;
    },
    stdout: {
      isTTY: opts.isTTY ?? false,
      columns: opts.columns ?? 80,
      write: (text: string) => {
        out += text;
        return true;
      },
    },
    processStdout: false,
    text: () => out,
    errors: () => err,
  };
}
