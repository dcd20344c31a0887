import { checkArg, checkArity, checkOptions, is, NablaError } from '@nabla/core';
import type { OnnxType } from '../onnx/builder.js';
import { BUILTIN_EXPORTERS } from './builtins.js';
import type { OnnxExporter } from './types.js';

export interface RegisterOnnxExporterOptions {
  /** Replace the exporter registered under the name (a built-in one too) instead of refusing. */
  replace?: boolean;
  /**
   * The element type the model's input has when this layer is the first of a Sequential (default
   * float32; Embedding's indices are int32). A functional model's inputs carry their own dtype.
   */
  inputType?: OnnxType;
}

interface Entry {
  fn: OnnxExporter;
  inputType?: OnnxType;
}

const INPUT_TYPES: OnnxType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

/**
 * The exporters by layer class name (the name a layer class is registered under in @nabla/nn,
 * which `layer.className` returns). The built-in layers' are in the table from the start, not
 * registered by importing modules, so no bundler can drop them.
 */
const exporters = new Map<string, Entry>(
  Object.entries(BUILTIN_EXPORTERS).map(([name, e]) => [name, typeof e === 'function' ? { fn: e } : e]),
);

/**
 * Registers how a layer class is written to ONNX: `fn(ctx)` adds the nodes of one call of the
 * layer with `ctx.builder` and returns its output value(s). A custom layer's exporter is
 * registered the same way as its class (`registerLayer` in @nabla/nn), before exportOnnx. The
 * same function again is harmless; another under a taken name is an error unless `replace`.
 */
export function registerOnnxExporter(
  className: string,
  fn: OnnxExporter,
  options: RegisterOnnxExporterOptions = {},
  ...extra: unknown[]
): void {
  const op = 'registerOnnxExporter';
  checkArity(op, [className, fn, options, ...extra], 3);
  checkArg(op, 'className', className, is.string, false);
  if (className === '') throw new NablaError(`${op}: className must not be empty`);
  checkArg(op, 'fn', fn, is.function, false);
  const o = checkOptions(op, options, { replace: is.boolean, inputType: is.oneOf(...INPUT_TYPES) });
  const taken = exporters.get(className);
  if (taken?.fn === fn && taken.inputType === o.inputType) return;
  if (taken !== undefined && !o.replace) {
    throw new NablaError(`${op}: '${className}' has an exporter already; pass { replace: true } to replace it`);
  }
  exporters.set(className, { fn, inputType: o.inputType });
}

/** The class names that have an exporter, sorted. */
export function registeredOnnxExporters(...extra: unknown[]): string[] {
  checkArity('registeredOnnxExporters', extra, 0);
  return [...exporters.keys()].sort();
}

/** The exporter of a layer class, or an error that says how to register one. */
export function exporterFor(className: string, layerName: string): Entry {
  const entry = exporters.get(className);
  if (entry !== undefined) return entry;
  const named = layerName === className ? `layer class '${className}'` : `layer '${layerName}' (class '${className}')`;
  throw new NablaError(
    `exportOnnx: ${named} has no ONNX export; register one with registerOnnxExporter(${JSON.stringify(className)}, (ctx) => ...) ` +
      `from '@nabla/backend-onnx/export' (ctx.builder adds the nodes; see ctx.inputs, ctx.weight)`,
  );
}

/** The input type a Sequential starting with this class takes, if its exporter names one. */
export function inputTypeOf(className: string): OnnxType | undefined {
  return exporters.get(className)?.inputType;
}
