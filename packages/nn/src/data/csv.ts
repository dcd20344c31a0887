import * as nb from '@nabla/core';
import { checkConfig, listOf } from '../options.js';
import { Dataset } from './dataset.js';
import type { Batch } from './source.js';

export interface CsvOptions {
  /** The label column(s), by header name: they make ys; the other (or `features`) columns make xs. Required. */
  label: string | string[];
  /** The feature columns, by header name, in this order (default: every column but the labels). */
  features?: string[];
  /** Samples per batch (default 32); the file's last batch may be smaller. */
  batchSize?: number;
  /** The field separator (default ','). */
  delimiter?: string;
}

/** A decimal number as a CSV cell holds it: sign, digits with an optional point, exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A dataset of the numeric columns of a CSV file with a header line (Node), read as a stream,
 * line by line: a pass holds one batch of rows in memory, never the whole file. Each pass
 * reads the file again. Quoted fields are not supported (numbers need none): a quote is an error.
 */
export function csv(path: string, options: CsvOptions, ...extra: unknown[]): Dataset {
  nb.checkArity('data.csv', [path, options, ...extra], 2);
  nb.checkArg('data.csv', 'path', path, nb.is.string);
  const o = checkConfig('data.csv', options, {
    label: nb.is.either(nb.is.string, listOf('column names', nb.is.string)),
    features: listOf('column names', nb.is.string),
    batchSize: nb.is.positiveInteger,
    delimiter: nb.is.string,
  });
  if (o.label === undefined) throw new nb.NablaError('data.csv: options.label (the label column name, or names) is required');
  const labels = typeof o.label === 'string' ? [o.label] : o.label;
  const batchSize = o.batchSize ?? 32;
  const delimiter = o.delimiter ?? ',';
  const pass = async function* (): AsyncGenerator<Batch> {
    const [{ createReadStream }, { createInterface }] = await Promise.all([import('node:fs'), import('node:readline')]);
    const stream = createReadStream(path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      let xCols: number[] | null = null;
      let yCols: number[] = [];
      let width = 0;
      let xs: number[][] = [];
      let ys: number[][] = [];
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        if (line.includes('"')) throw new nb.NablaError(`data.csv: ${path} line ${lineNo} has a quote; quoted fields are not supported`);
        const fields = line.split(delimiter);
        if (xCols === null) {
          const header = fields.map((f) => f.trim());
          const find = (name: string) => {
            const i = header.indexOf(name);
            if (i < 0) throw new nb.NablaError(`data.csv: ${path} has no column '${name}'; its columns: ${header.join(', ')}`);
            return i;
          };
          yCols = labels.map(find);
          xCols = o.features ? o.features.map(find) : header.map((_, i) => i).filter((i) => !yCols.includes(i));
          if (xCols.length === 0) throw new nb.NablaError(`data.csv: ${path} has no feature columns besides the labels`);
          width = header.length;
          continue;
        }
        if (fields.length !== width) {
          throw new nb.NablaError(`data.csv: ${path} line ${lineNo} has ${fields.length} fields, the header ${width}`);
        }
        const num = (i: number) => {
          const text = fields[i].trim();
          const v = Number(text);
          // Decimal numbers only, as numpy's float(): Number() alone would also take '' (0),
          // '0x10' (16), '0b11' (3), 'Infinity' and '1e400' (an overflow to Infinity).
          if (!DECIMAL.test(text) || !Number.isFinite(v))
            throw new nb.NablaError(`data.csv: ${path} line ${lineNo}, column ${i + 1}: '${text}' is not a finite decimal number`);
          return v;
        };
        xs.push(xCols.map(num));
        ys.push(yCols.map(num));
        if (xs.length === batchSize) {
          yield [xs, ys];
          xs = [];
          ys = [];
        }
      }
      if (xCols === null) throw new nb.NablaError(`data.csv: ${path} is empty (a header line is needed)`);
      if (xs.length > 0) yield [xs, ys];
    } catch (e) {
      // The stream's own errors (no such file, a folder, no permission) name the op and the path.
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && !(e instanceof nb.NablaError)) {
        throw new nb.NablaError(`data.csv: cannot read ${path}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    } finally {
      lines.close();
      stream.destroy();
    }
  };
  return new Dataset(() => pass());
}
