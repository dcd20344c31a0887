import type { OnnxType } from '../onnx/builder.js';
import { ATTENTION_EXPORTERS } from './attention.js';
import { CONV_EXPORTERS } from './conv.js';
import { CORE_EXPORTERS } from './core-layers.js';
import { MERGING_EXPORTERS } from './merging.js';
import { NORMALIZATION_EXPORTERS } from './normalization.js';
import { RECURRENT_EXPORTERS } from './recurrent.js';
import { RESHAPING_EXPORTERS } from './reshaping.js';
import type { OnnxExporter } from './types.js';

/** The exporters of @nabla/nn's layers, by class name. */
export const BUILTIN_EXPORTERS: Record<string, OnnxExporter | { fn: OnnxExporter; inputType: OnnxType }> = {
  ...CORE_EXPORTERS,
  ...CONV_EXPORTERS,
  ...NORMALIZATION_EXPORTERS,
  ...RESHAPING_EXPORTERS,
  ...MERGING_EXPORTERS,
  ...ATTENTION_EXPORTERS,
  ...RECURRENT_EXPORTERS,
};
