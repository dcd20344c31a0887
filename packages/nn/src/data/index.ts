/** nn.data: datasets of batches for fit and evaluate (data that need not fit in memory). */
export { type CsvOptions, csv } from './csv.js';
export { Dataset, type FromArraysOptions, fromArrays } from './dataset.js';
export type { Batch, DataSource } from './source.js';
