import { checkArity, is, NablaError } from '@nabla/core';
import { checkConfig } from '../options.js';
import { Callback, type Logs } from './callback.js';

export interface CSVLoggerArgs {
  /** The field separator (default ','). */
  separator?: string;
  /** Add to an existing file rather than replace it (default false); no second header is written. */
  append?: boolean;
}

/**
 * Writes each epoch's logs to a CSV file (Node), as Keras's CSVLogger: a header `epoch,<names>`
 * (the log names sorted), then a line per epoch, written as the epoch ends.
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  /** Whether the file already holds lines (append to a non-empty file: no header). */
  private hasLines = false;

  constructor(filename: string, args: CSVLoggerArgs = {}, ...extra: unknown[]) {
    super();
    checkArity('CSVLogger', [filename, args, ...extra], 2);
    if (typeof filename !== 'string' || filename === '')
      throw new NablaError(`CSVLogger: filename must be a file path, got ${String(filename)}`);
    const o = checkConfig('CSVLogger', args, { separator: is.string, append: is.boolean });
    this.filename = filename;
    this.separator = o.separator ?? ',';
    this.append = o.append ?? false;
  }

  /** It writes: rank 0 alone runs it in data-parallel fit. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  override async onTrainBegin(): Promise<void> {
    const fs = await import('node:fs/promises');
    this.keys = null;
    if (this.append) {
      const size = await fs.stat(this.filename).then(
        (s) => s.size,
        () => 0,
      );
      this.hasLines = size > 0;
    } else {
      await fs.writeFile(this.filename, '');
      this.hasLines = false;
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const fs = await import('node:fs/promises');
    let text = '';
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      if (!this.hasLines) text += `${['epoch', ...this.keys].join(this.separator)}\n`;
    }
    const row = [String(epoch), ...this.keys.map((k) => (k in logs ? String(logs[k]) : 'NA'))];
    text += `${row.join(this.separator)}\n`;
    await fs.appendFile(this.filename, text);
    this.hasLines = true;
  }
}
