import { checkArity, checkOptions, is, NablaError } from '@nabla/core';
import { encodeExport, exportedByNabla, writeGraph } from './export/encode.js';
import { checkOpset } from './export/opset.js';
import type { ExportableModel } from './export/types.js';

/**
 * exportOnnx: a trained model as a standard .onnx file for inference anywhere (onnxruntime,
 * other runtimes): a Sequential, or a functional model with its inputs and outputs by name. The
 * graph is written from the layers themselves, not from a traced graph, so the batch axis stays
 * dynamic ('batch') and each layer is a few familiar ONNX ops. Each layer class has an exporter
 * (export/*.ts; a custom layer's is registered with registerOnnxExporter). Only the layers'
 * structure is read (className, getConfig, weights, output shapes), so this module needs nothing
 * from @nabla/nn.
 */
export type { RegisterOnnxExporterOptions } from './export/registry.js';
export { registeredOnnxExporters, registerOnnxExporter } from './export/registry.js';
export type {
  ExportableGraph,
  ExportableLayer,
  ExportableModel,
  OnnxExportContext,
  OnnxExporter,
  OnnxExportResult,
  SampleShape,
} from './export/types.js';
export { type Attr, type ConstTensor, OnnxGraphBuilder, type OnnxType } from './onnx/builder.js';
export {
  exportTritonRepo,
  type TritonDynamicBatching,
  type TritonFile,
  type TritonRepoOptions,
  type TritonRepository,
  type TritonRepoWriteOptions,
  tritonRepository,
} from './triton.js';

export interface ExportOptions {
  /** The input's name (a model of one input; default 'input' for a Sequential, the nn.input's name for a functional model). */
  inputName?: string;
  /** The output's name (a model of one output; default 'output' for a Sequential, the output's name for a functional model). */
  outputName?: string;
  /** Replace an .onnx file that nabla exported before at the path (default true); never another file. */
  overwrite?: boolean;
  /**
   * The ONNX opset the model declares, 13 to 21 (default 21), for runtimes pinned to an older
   * onnxruntime. Ops that changed are written in the older form; a layer whose op the opset
   * lacks is written as the ops it stands for (LayerNormalization before 17, GELU before 20)
   * or is an error naming the opset it needs.
   */
  opset?: number;
}

const EXPORT_OPTIONS = { inputName: is.string, outputName: is.string, overwrite: is.boolean, opset: is.integer };

/**
 * The model as ONNX bytes (opset 21 and IR 10 unless `opset` says otherwise), batch axis dynamic. A Sequential has one input
 * named `input` and one output named `output`; a functional model's inputs and outputs keep its
 * names (`model.inputNames`, `model.outputNames`).
 */
export async function toOnnx(model: ExportableModel, opts: ExportOptions = {}, ...extra: unknown[]): Promise<Uint8Array> {
  checkArity('toOnnx', [model, opts, ...extra], 2);
  checkOptions('toOnnx', opts, EXPORT_OPTIONS);
  const opset = checkOpset('toOnnx', opts.opset);
  return encodeExport(await writeGraph(model, opts), { opset, op: 'toOnnx' }).model;
}

/**
 * Writes the model to `path` as .onnx, atomically (temporary file, then rename). An existing file
 * is replaced only if nabla exported it (its header names nabla as the producer) and `overwrite`
 * is not false: nabla never overwrites a file it did not write.
 */
export async function exportOnnx(model: ExportableModel, path: string, opts: ExportOptions = {}, ...extra: unknown[]): Promise<void> {
  checkArity('exportOnnx', [model, path, opts, ...extra], 3);
  checkOptions('exportOnnx', opts, EXPORT_OPTIONS);
  checkOpset('exportOnnx', opts.opset);
  if (typeof path !== 'string' || path === '') throw new NablaError(`exportOnnx: path must be a file name, got ${String(path)}`);
  const bytes = await toOnnx(model, opts);
  const { lstat, open, writeFile, rename, rm } = await import('node:fs/promises');
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    if (!existing.isFile())
      throw new NablaError(`exportOnnx: ${path} exists and is not a file; nabla writes only a new or its own .onnx file`);
    const file = await open(path, 'r');
    const head = new Uint8Array(32);
    try {
      await file.read(head, 0, head.length, 0);
    } finally {
      await file.close();
    }
    if (!exportedByNabla(head)) {
      throw new NablaError(
        `exportOnnx: ${path} exists and is not an ONNX file nabla exported; nabla does not overwrite other files (move it, or choose another path)`,
      );
    }
    if (opts.overwrite === false) throw new NablaError(`exportOnnx: ${path} exists and overwrite is false`);
  }
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
