import * as nb from '@nabla/core';

/**
 * The saved-model format: a folder with model.json (architecture, compile settings, and a
 * manifest of the weights) and weights.bin (the weights' bytes, little-endian, in manifest order).
 */
export const FORMAT = 'nabla-model';
export const VERSION = 1;

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: nb.DType;
  /** Byte offset in weights.bin. */
  offset: number;
  byteLength: number;
}

export interface ModelJson {
  format: typeof FORMAT;
  version: number;
  className: 'Sequential';
  name: string;
  layers: { className: string; config: Record<string, unknown> }[];
  /** Present when the model was compiled with serializable settings. */
  compile?: { optimizer: { className: string; config: Record<string, unknown> }; loss: string; metrics: string[] };
  weights: WeightEntry[];
}

/** Checks a parsed model.json field by field, so a damaged file fails with a message, not later. */
export function validateModelJson(where: string, v: unknown): ModelJson {
  const fail = (what: string): never => {
    throw new nb.NablaError(`load: ${where}: ${what}`);
  };
  if (v === null || typeof v !== 'object') fail('not a JSON object');
  const m = v as Partial<ModelJson>;
  if (m.format !== FORMAT) fail(`not a nabla model (format is ${JSON.stringify(m.format)})`);
  if (m.version !== VERSION) fail(`unsupported version ${m.version}; this nabla reads version ${VERSION}`);
  if (m.className !== 'Sequential') fail(`unsupported model class ${JSON.stringify(m.className)}`);
  if (!Array.isArray(m.layers)) fail('missing layers');
  if (!Array.isArray(m.weights)) fail('missing weights manifest');
  let offset = 0;
  for (const w of m.weights as WeightEntry[]) {
    if (typeof w.name !== 'string' || !Array.isArray(w.shape) || !nb.DTYPES.includes(w.dtype))
      fail(`bad weight entry ${JSON.stringify(w)}`);
    const size = w.shape.reduce((a, b) => a * b, 1);
    const bytes = size * nb.bytesPerElement(w.dtype);
    if (w.offset !== offset || w.byteLength !== bytes)
      fail(`weight ${w.name}: offset/byteLength ${w.offset}/${w.byteLength} do not match its shape`);
    offset += bytes;
  }
  return m as ModelJson;
}
